import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { CacheStore } from './cache.store';
import { MemoryCacheStore } from './memory-cache.store';
import { RedisCacheStore } from './redis-cache.store';

/** Redis when REDIS_URL is set, else the in-process cache. Closed on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: CacheStore,
      inject: [AppConfig, Clock],
      useFactory: async (config: AppConfig, clock: Clock): Promise<CacheStore> => {
        if (!config.redisUrl) return new MemoryCacheStore(clock);
        const store = new RedisCacheStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix });
        await store.connect();
        return store;
      },
    },
  ],
  exports: [CacheStore],
})
export class CacheModule implements OnApplicationShutdown {
  constructor(@Inject(CacheStore) private readonly store: CacheStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

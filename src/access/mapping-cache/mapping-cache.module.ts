import { Module } from '@nestjs/common';
import { CacheStore } from '../../cache/cache.store';
import { RedisCacheStore } from '../../cache/redis-cache.store';
import { MappingCache } from './mapping-cache';
import { MemoryMappingCache } from './memory-mapping-cache';
import { RedisMappingCache } from './redis-mapping-cache';

/**
 * The mapping mirror beside the role data: on the cache store's Redis connection when REDIS_URL is
 * set, else in-process. Imported by MappingsModule (writes hold and release it) and AccessModule
 * (reads).
 */
@Module({
  providers: [
    {
      provide: MappingCache,
      inject: [CacheStore],
      useFactory: (store: CacheStore): MappingCache =>
        store instanceof RedisCacheStore
          ? new RedisMappingCache(store.redis, store.keyPrefix)
          : new MemoryMappingCache((keys) => store.readAccess(keys)),
    },
  ],
  exports: [MappingCache],
})
export class MappingCacheModule {}

import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { LeaseStore } from './lease.store';
import { RateCounter } from './rate-counter';
import { RoleStore } from './role-store';
import { memoryStores, redisStores, Stores } from './stores';

const STORES = Symbol('STORES');

/**
 * The role store, the sync lease store and the rate counter: Redis when REDIS_URL is set (one shared
 * connection), else in-process. Closed on shutdown. Not global: modules that use a store import this.
 */
@Module({
  providers: [
    {
      provide: STORES,
      inject: [AppConfig, Clock],
      useFactory: (config: AppConfig, clock: Clock): Promise<Stores> | Stores =>
        config.redisUrl ? redisStores({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix }) : memoryStores(clock),
    },
    { provide: RoleStore, inject: [STORES], useFactory: (stores: Stores) => stores.roles },
    { provide: LeaseStore, inject: [STORES], useFactory: (stores: Stores) => stores.leases },
    { provide: RateCounter, inject: [STORES], useFactory: (stores: Stores) => stores.rates },
  ],
  exports: [RoleStore, LeaseStore, RateCounter],
})
export class RoleStoreModule implements OnApplicationShutdown {
  constructor(@Inject(STORES) private readonly stores: Stores) {}

  async onApplicationShutdown(): Promise<void> {
    await this.stores.close();
  }
}

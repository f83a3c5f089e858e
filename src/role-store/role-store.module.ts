import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { RedisSettings } from '../config/settings/redis.settings';
import { LeaseStore } from './lease.store';
import { RateCounter } from './rate-counter';
import { RedisConnection } from './redis-connection';
import { RoleChanges } from './role-changes';
import { RoleGenerations } from './role-generations';
import { RoleReads } from './role-reads';
import { RoleRuns } from './role-runs';
import { StoreHealth } from './store-health';
import { memoryStores, redisStores, Stores } from './stores';

const STORES = Symbol('STORES');

/**
 * The stores, one port per job: role data reads (RoleReads), sync run records (RoleRuns), a full
 * sync's generations and held removals (RoleGenerations), incremental changes (RoleChanges), leases
 * (LeaseStore), rate windows (RateCounter) and their health (StoreHealth). Redis when REDIS_URL is
 * set (one shared connection, also provided as RedisConnection for stores kept beside the role data
 * such as the mapping mirror), else in-process (RedisConnection is then null). Closed on shutdown.
 * Not global: modules that use a store import this.
 */
@Module({
  providers: [
    {
      provide: STORES,
      inject: [RedisSettings, Clock],
      useFactory: (redis: RedisSettings, clock: Clock): Promise<Stores> | Stores =>
        redis.url ? redisStores({ url: redis.url, keyPrefix: redis.keyPrefix }) : memoryStores(clock),
    },
    { provide: RoleReads, inject: [STORES], useFactory: (stores: Stores) => stores.reads },
    { provide: RoleRuns, inject: [STORES], useFactory: (stores: Stores) => stores.runs },
    { provide: RoleGenerations, inject: [STORES], useFactory: (stores: Stores) => stores.generations },
    { provide: RoleChanges, inject: [STORES], useFactory: (stores: Stores) => stores.changes },
    { provide: LeaseStore, inject: [STORES], useFactory: (stores: Stores) => stores.leases },
    { provide: RateCounter, inject: [STORES], useFactory: (stores: Stores) => stores.rates },
    { provide: StoreHealth, inject: [STORES], useFactory: (stores: Stores) => stores.health },
    { provide: RedisConnection, inject: [STORES], useFactory: (stores: Stores) => stores.redis },
  ],
  exports: [RoleReads, RoleRuns, RoleGenerations, RoleChanges, LeaseStore, RateCounter, StoreHealth, RedisConnection],
})
export class RoleStoreModule implements OnApplicationShutdown {
  constructor(@Inject(STORES) private readonly stores: Stores) {}

  async onApplicationShutdown(): Promise<void> {
    await this.stores.close();
  }
}

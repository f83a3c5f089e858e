import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { EsrBudgetStore } from './esr-budget';
import { LeaseStore } from './lease.store';
import { MemoryEsrBudget } from './memory-esr-budget';
import { RateCounter } from './rate-counter';
import { RedisConnection } from './redis-connection';
import { RedisEsrBudget } from './redis-esr-budget';
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
      inject: [AppConfig, Clock],
      useFactory: (config: AppConfig, clock: Clock): Promise<Stores> | Stores =>
        config.redisUrl ? redisStores({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix }) : memoryStores(clock),
    },
    { provide: RoleReads, inject: [STORES], useFactory: (stores: Stores) => stores.reads },
    { provide: RoleRuns, inject: [STORES], useFactory: (stores: Stores) => stores.runs },
    { provide: RoleGenerations, inject: [STORES], useFactory: (stores: Stores) => stores.generations },
    { provide: RoleChanges, inject: [STORES], useFactory: (stores: Stores) => stores.changes },
    { provide: LeaseStore, inject: [STORES], useFactory: (stores: Stores) => stores.leases },
    { provide: RateCounter, inject: [STORES], useFactory: (stores: Stores) => stores.rates },
    { provide: StoreHealth, inject: [STORES], useFactory: (stores: Stores) => stores.health },
    { provide: RedisConnection, inject: [STORES], useFactory: (stores: Stores) => stores.redis },
    // ESR's rate budget: one window for every replica on the shared connection, else this process's own.
    {
      provide: EsrBudgetStore,
      inject: [STORES],
      useFactory: (s: Stores) => (s.redis ? new RedisEsrBudget(s.redis) : new MemoryEsrBudget()),
    },
  ],
  exports: [RoleReads, RoleRuns, RoleGenerations, RoleChanges, LeaseStore, RateCounter, StoreHealth, RedisConnection, EsrBudgetStore],
})
export class RoleStoreModule implements OnApplicationShutdown {
  constructor(@Inject(STORES) private readonly stores: Stores) {}

  async onApplicationShutdown(): Promise<void> {
    await this.stores.close();
  }
}

import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { RedisSettings } from '../config/settings/redis.settings';
import { EsrBudgetStore } from './esr-budget';
import { LeaseStore } from './lease-store';
import { MemoryEsrBudget } from './memory-esr-budget';
import { RateCounter } from './rate-counter';
import { createRedisClient } from './redis-client.factory';
import { RedisConnection } from './redis-connection';
import { RedisEsrBudget } from './redis-esr-budget';
import { connectAtStartup } from './redis-startup-check';
import { RoleChanges } from './role-changes';
import { RoleGenerations } from './role-generations';
import { RoleReads } from './role-reads';
import { RoleRuns } from './role-runs';
import { StoreHealth } from './store-health';
import { memoryStores, redisStores, Stores } from './stores';

/** The stores of one backend (exported for tests that hand the app stores on another Redis topology). */
export const STORES = Symbol('STORES');

/**
 * The Redis stores on a client of the configured topology, connected here: a TLS failure or refused
 * credentials stop the start (one sentence naming the setting), an unreachable Redis does not.
 */
async function openRedisStores(settings: RedisSettings): Promise<Stores> {
  const client = createRedisClient(settings);
  await connectAtStartup(client, settings);
  return redisStores({ client, keyPrefix: settings.keyPrefix, leaseReplicas: settings.leaseReplicas });
}

/**
 * The stores, one port per job: role data reads (RoleReads), sync run records (RoleRuns), a full
 * sync's generations and held removals (RoleGenerations), incremental changes (RoleChanges), leases
 * (LeaseStore), rate windows (RateCounter) and their health (StoreHealth). Redis when a topology is
 * configured (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES: one shared connection, also provided as RedisConnection for stores kept beside the role data
 * such as the mapping mirror), else in-process (RedisConnection is then null). Closed on shutdown.
 * Not global: modules that use a store import this.
 */
@Module({
  providers: [
    {
      provide: STORES,
      inject: [RedisSettings, Clock],
      useFactory: (redis: RedisSettings, clock: Clock): Promise<Stores> | Stores =>
        redis.enabled ? openRedisStores(redis) : memoryStores(clock),
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

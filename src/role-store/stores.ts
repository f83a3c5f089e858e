import { Clock } from '../common/clock/clock';
import { LeaseStore } from './lease-store';
import { MemoryLeaseStore } from './memory-lease-store';
import { MemoryRateCounter } from './memory-rate-counter';
import { MemoryRoleChanges } from './memory-role-changes';
import { MemoryRoleGenerations } from './memory-role-generations';
import { MemoryRoleReads } from './memory-role-reads';
import { MemoryRoleRuns } from './memory-role-runs';
import { MemoryRoleVpds } from './memory-role-state';
import { RateCounter } from './rate-counter';
import { RedisConnection, RedisConnectionOptions } from './redis-connection';
import { RedisLeaseStore } from './redis-lease-store';
import { RedisRateCounter } from './redis-rate-counter';
import { RedisRoleChanges } from './redis-role-changes';
import { RedisRoleGenerations } from './redis-role-generations';
import { RedisRoleReads } from './redis-role-reads';
import { RedisRoleRuns } from './redis-role-runs';
import { RoleChanges } from './role-changes';
import { RoleGenerations } from './role-generations';
import { RoleReads } from './role-reads';
import { RoleRuns } from './role-runs';
import { MemoryStoreHealth, StoreHealth } from './store-health';

/** Every store of one backend (each a port of its own), and how to close what they share. */
export interface Stores {
  reads: RoleReads;
  runs: RoleRuns;
  generations: RoleGenerations;
  changes: RoleChanges;
  leases: LeaseStore;
  rates: RateCounter;
  health: StoreHealth;
  /** The connection the Redis stores share (for stores kept elsewhere, like the mapping mirror); null in-process. */
  redis: RedisConnection | null;
  close(): Promise<void>;
}

/** The in-process stores. */
export type MemoryStores = Stores & { leases: MemoryLeaseStore; redis: null };

/** In-process stores (embedded default): one shared role state, the role writes fenced with these leases. */
export function memoryStores(clock: Clock = new Clock()): MemoryStores {
  const leases = new MemoryLeaseStore(clock);
  const vpds = new MemoryRoleVpds();
  const health = new MemoryStoreHealth();
  return {
    reads: new MemoryRoleReads(vpds),
    runs: new MemoryRoleRuns(vpds, leases, clock),
    generations: new MemoryRoleGenerations(vpds, leases),
    changes: new MemoryRoleChanges(vpds, leases),
    leases,
    rates: new MemoryRateCounter(clock),
    health,
    redis: null,
    close: () => health.close(),
  };
}

/**
 * Redis stores sharing one connection: a connection given (any topology), or one made from `options`
 * (a client built by createRedisClient, or the server at `url`); connected here (a Redis that is down
 * is not fatal). `leaseReplicas`: replicas that must acknowledge a lease write (RedisLeaseStore).
 */
export async function redisStores(
  source: RedisConnection | (RedisConnectionOptions & { leaseReplicas?: number }),
): Promise<Stores & { redis: RedisConnection }> {
  const connection = source instanceof RedisConnection ? source : RedisConnection.fromOptions(source);
  const leaseReplicas = source instanceof RedisConnection ? undefined : source.leaseReplicas;
  await connection.connect();
  return {
    reads: new RedisRoleReads(connection),
    runs: new RedisRoleRuns(connection),
    generations: new RedisRoleGenerations(connection),
    changes: new RedisRoleChanges(connection),
    leases: new RedisLeaseStore(connection, { replicas: leaseReplicas }),
    rates: new RedisRateCounter(connection),
    health: connection,
    redis: connection,
    close: () => connection.close(),
  };
}

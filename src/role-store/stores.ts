import { Clock } from '../common/clock/clock';
import { LeaseStore } from './lease.store';
import { MemoryLeaseStore } from './memory-lease.store';
import { MemoryRateCounter } from './memory-rate-counter';
import { MemoryRoleStore } from './memory-role.store';
import { RateCounter } from './rate-counter';
import { RedisConnection, RedisConnectionOptions } from './redis-connection';
import { RedisLeaseStore } from './redis-lease.store';
import { RedisRateCounter } from './redis-rate-counter';
import { RedisRoleStore } from './redis-role.store';
import { RoleStore } from './role-store';

/** The three stores of one backend, and how to close what they share. */
export interface Stores {
  roles: RoleStore;
  leases: LeaseStore;
  rates: RateCounter;
  close(): Promise<void>;
}

/** In-process stores (embedded default): the role store fences its writes with these leases. */
export function memoryStores(clock: Clock = new Clock()): Stores & { roles: MemoryRoleStore; leases: MemoryLeaseStore } {
  const leases = new MemoryLeaseStore(clock);
  const roles = new MemoryRoleStore(leases, clock);
  return { roles, leases, rates: new MemoryRateCounter(clock), close: () => roles.close() };
}

/** Redis stores sharing one connection (connected here; a Redis that is down is not fatal). */
export async function redisStores(options: RedisConnectionOptions): Promise<Stores & { roles: RedisRoleStore }> {
  const connection = new RedisConnection(options);
  await connection.connect();
  return {
    roles: new RedisRoleStore(connection),
    leases: new RedisLeaseStore(connection.redis),
    rates: new RedisRateCounter(connection.redis),
    close: () => connection.close(),
  };
}

import { randomUUID } from 'node:crypto';
import { Lease, LeaseStore } from './lease-store';
import type { RedisConnection } from './redis-connection';

/**
 * Leases in Redis (scripts: redis-lease.scripts.ts): the lease key holds "<token> <holder>" with a
 * TTL; the fence key counts the fencing tokens issued (never expires, so tokens only grow).
 */
export class RedisLeaseStore extends LeaseStore {
  constructor(private readonly connection: RedisConnection) {
    super();
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const { redis, keys } = this.connection;
    const token = randomUUID();
    const fence = await redis.acquireLease(keys.lease(name), keys.leaseFence(name), `${token} ${holder}`, ttlMs);
    return fence > 0 ? { name, token, fence } : null;
  }

  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    const { redis, keys } = this.connection;
    return (await redis.renewLease(keys.lease(lease.name), `${lease.token} `, ttlMs)) === 1;
  }

  async release(lease: Lease): Promise<void> {
    const { redis, keys } = this.connection;
    await redis.releaseLease(keys.lease(lease.name), `${lease.token} `);
  }

  async holder(name: string): Promise<string | null> {
    const { redis, keys } = this.connection;
    const value = await redis.get(keys.lease(name));
    return value ? value.slice(value.indexOf(' ') + 1) : null;
  }
}

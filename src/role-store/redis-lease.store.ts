import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { Lease, LeaseStore } from './lease.store';

const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;
const RENEW = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;
const RELEASE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

type LeaseCommands = {
  acquireLease(lease: string, fence: string, value: string, ttl: number): Promise<number>;
  renewLease(lease: string, token: string, ttl: number): Promise<number>;
  releaseLease(lease: string, token: string): Promise<number>;
};

/** The key holding the latest fencing token of a lease (the role store's fenced scripts read it). */
export const redisFenceKey = (name: string): string => `lease:${name}:fence`;

/**
 * Leases in Redis: `lease:<name>` holds "<token> <holder>" with a TTL; `lease:<name>:fence` counts
 * the fencing tokens issued (never expires, so tokens only grow).
 */
export class RedisLeaseStore extends LeaseStore {
  private readonly redis: Redis & LeaseCommands;

  constructor(redis: Redis) {
    super();
    redis.defineCommand('acquireLease', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('renewLease', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as Redis & LeaseCommands;
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const token = randomUUID();
    const fence = await this.redis.acquireLease(`lease:${name}`, redisFenceKey(name), `${token} ${holder}`, ttlMs);
    return fence > 0 ? { name, token, fence } : null;
  }

  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    return (await this.redis.renewLease(`lease:${lease.name}`, `${lease.token} `, ttlMs)) === 1;
  }

  async release(lease: Lease): Promise<void> {
    await this.redis.releaseLease(`lease:${lease.name}`, `${lease.token} `);
  }

  async holder(name: string): Promise<string | null> {
    const value = await this.redis.get(`lease:${name}`);
    return value ? value.slice(value.indexOf(' ') + 1) : null;
  }
}

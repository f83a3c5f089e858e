import type Redis from 'ioredis';
import { RateCounter, RateWindow } from './rate-counter';

const HIT = `
local n = redis.call('INCRBY', KEYS[1], tonumber(ARGV[2] or '1'))
if n == tonumber(ARGV[2] or '1') then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

type HitCommand = { hitWindow(key: string, windowMs: number, amount: number): Promise<[number, number]> };

/** Fixed windows in Redis: `rate:<key>` counts hits and expires with the window (one atomic script). */
export class RedisRateCounter extends RateCounter {
  private readonly redis: Redis & HitCommand;

  constructor(redis: Redis) {
    super();
    redis.defineCommand('hitWindow', { numberOfKeys: 1, lua: HIT });
    this.redis = redis as Redis & HitCommand;
  }

  async hit(key: string, windowMs: number, amount = 1): Promise<RateWindow> {
    const [count, resetMs] = await this.redis.hitWindow(`rate:${key}`, windowMs, amount);
    return { count, resetMs };
  }
}

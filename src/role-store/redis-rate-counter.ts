import { RateCounter, RateWindow } from './rate-counter';
import type { RedisConnection } from './redis-connection';

/** Fixed windows in Redis: a window's key counts hits and expires with the window (one atomic script, redis-lease.scripts.ts). */
export class RedisRateCounter extends RateCounter {
  constructor(private readonly connection: RedisConnection) {
    super();
  }

  async hit(key: string, windowMs: number, amount = 1): Promise<RateWindow> {
    const { redis, keys } = this.connection;
    const [count, resetMs] = await redis.hitWindow(keys.rateWindow(key), windowMs, amount);
    return { count, resetMs };
  }
}

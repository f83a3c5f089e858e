import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Client-side rate limiter: at most `limit` request starts in any rolling window of `windowMs`.
 *
 * A plain token bucket of capacity N refilling N per second lets 2N requests through in one second
 * (a full bucket spent at once, then N refills), which would break ESR's 20/s at the default 15/s.
 * This keeps the recent start times instead (a sliding-window log of at most `limit` live entries plus
 * reservations), so the guarantee holds for every window. Callers are served first come, first served:
 * each acquire() reserves the earliest slot that keeps the guarantee and sleeps until then.
 */
export class SlidingWindowRateLimiter {
  /** Start times (reserved or past), ascending. */
  private readonly starts: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  /** Resolves when a request may start; the start is counted from then. */
  async acquire(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await sleep(wait);
  }

  /** Reserves the next slot and returns how long to wait for it (ms, rounded up). */
  reserve(): number {
    const now = this.now();
    const horizon = now - this.windowMs;
    let drop = 0;
    while (drop < this.starts.length && this.starts[drop] <= horizon) drop++;
    if (drop > 0) this.starts.splice(0, drop);
    const at = this.starts.length < this.limit ? now : Math.max(now, this.starts[this.starts.length - this.limit] + this.windowMs);
    this.starts.push(at);
    return Math.ceil(at - now);
  }
}

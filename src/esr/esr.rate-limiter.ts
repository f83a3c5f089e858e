import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Client-side rate limiter: at most `limit` request starts in any window of `windowMs`, evenly paced
 * (a token bucket of capacity one: starts are at least windowMs / limit apart).
 *
 * Why not a bigger bucket or a plain "N per rolling second" log: both let a burst of N go at once and
 * the next burst of N exactly one window later. The few milliseconds between a start here and its
 * arrival at ESR vary from request to request, so ESR's own window then sees most of both bursts
 * (the sandbox answered 429 at 15/s against its 20/s that way). Paced starts leave room for that
 * jitter: N + 1 starts always span at least a full window, and bunching up needs jitter of several
 * intervals. Callers are served first come, first served: each acquire() reserves the next slot.
 */
export class PacedRateLimiter {
  readonly intervalMs: number;
  /** Earliest start of the next reservation. */
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.intervalMs = windowMs / limit;
  }

  /** Resolves when a request may start. */
  async acquire(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await sleep(wait);
  }

  /** Reserves the next slot and returns how long to wait for it (ms, rounded up). */
  reserve(): number {
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    return Math.ceil(at - now);
  }
}

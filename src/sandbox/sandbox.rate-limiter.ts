/**
 * Sliding one-second window per client: a request is allowed while fewer than `limit` requests of
 * that client were allowed in the last second. Uses the process's monotonic clock, not the
 * sandbox's data clock, so a frozen test clock does not freeze the limit. A limit of 0 turns it off.
 */
export class SlidingWindowRateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private limitPerWindow: number,
    private readonly windowMs = 1_000,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.setLimit(limitPerWindow);
  }

  get limit(): number {
    return this.limitPerWindow;
  }

  setLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError('the rate limit must be a non-negative integer');
    this.limitPerWindow = limit;
  }

  /** Records a request; returns 0 if allowed, else the whole seconds until one would be. */
  take(key: string): number {
    if (this.limitPerWindow === 0) return 0;
    const now = this.clock();
    let times = this.hits.get(key);
    if (!times) {
      times = [];
      this.hits.set(key, times);
    }
    let expired = 0;
    while (expired < times.length && times[expired] <= now - this.windowMs) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length < this.limitPerWindow) {
      times.push(now);
      return 0;
    }
    const oldest = times[times.length - this.limitPerWindow];
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1_000));
  }
}

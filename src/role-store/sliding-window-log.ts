/**
 * ESR's rate limit as a sliding-window log: at most `limit` requests in any window of `windowMs`,
 * let through at once while there is room (no pacing, no bursts beyond the limit).
 *
 * Each request holds a place in the log from the moment it starts until `windowMs` after its answer
 * arrived (or it failed). ESR counts a request when it arrives, which is after it started here and
 * before its answer comes back; so by the time a place frees here, ESR's own sliding window has
 * dropped that request too, whatever the network and event-loop jitter. Counting from start times
 * alone is not enough: a burst of `limit` followed by another exactly one window later lands inside
 * one ESR window when the first burst's requests reach ESR a few milliseconds late (the sandbox
 * answered 429 that way). The cost is one round trip per window: at most `limit` requests per
 * (window + latency).
 *
 * Pure bookkeeping: the caller supplies `now` (monotonic milliseconds) and decides who waits.
 */
export class SlidingWindowLog {
  /** Answer times of finished requests still inside the window, oldest first. */
  private readonly finished: number[] = [];
  private head = 0;
  private running = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  /** Requests started and not yet answered. */
  get inFlight(): number {
    return this.running;
  }

  /** Places taken at `now`: requests in flight plus requests answered less than a window ago. */
  used(now: number): number {
    this.expire(now);
    return this.running + this.finished.length - this.head;
  }

  /** Records a request start (the caller has checked `used(now) < cap`). */
  start(): void {
    this.running++;
  }

  /** Records that a started request was answered or failed at `now`. */
  finish(now: number): void {
    if (this.running === 0) throw new Error('finish() without start()');
    this.running--;
    this.finished.push(now);
  }

  /** When the next place frees by time alone (ms, on the `now` scale), or undefined when none will. */
  nextExpiry(now: number): number | undefined {
    this.expire(now);
    return this.head < this.finished.length ? this.finished[this.head] + this.windowMs : undefined;
  }

  private expire(now: number): void {
    while (this.head < this.finished.length && this.finished[this.head] + this.windowMs <= now) this.head++;
    if (this.head > 1024 && this.head * 2 > this.finished.length) {
      this.finished.splice(0, this.head);
      this.head = 0;
    }
  }
}

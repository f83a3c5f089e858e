export interface RateWindow {
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * Fixed-window hit counters, shared by every replica (per-user rate limits). Two implementations:
 * Redis and in-process; one contract suite (test/role-store) runs against both.
 */
export abstract class RateCounter {
  /** Counts `amount` hits (default 1) on `key` and reports the count in the current window of `windowMs`. */
  abstract hit(key: string, windowMs: number, amount?: number): Promise<RateWindow>;
}

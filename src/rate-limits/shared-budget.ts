import type { RateWindow } from '../role-store/rate-counter';

/** Counts hits in the shared store (Redis with replicas): `amount` hits on a key in a fixed window. */
export type RateCounterFn = (key: string, windowMs: number, amount: number) => Promise<RateWindow>;

export interface SharedBudgetOptions {
  /** Hits allowed per key in one window, across every replica. */
  limit: number;
  windowMs: number;
  /** How often this replica adds its local hits to the shared count. */
  flushEveryMs: number;
  now: () => number;
}

export type BudgetDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface KeyState {
  /** The shared count as last read (every replica's hits in this window). */
  shared: number;
  /** Hits taken here since the last flush. */
  pending: number;
  windowEndsAt: number;
}

/**
 * A request budget per key that holds across replicas without a shared-store round trip per
 * request. Each replica decides locally from the last shared count plus its own hits since, and adds
 * its hits to the shared fixed-window counter every `flushEveryMs` (one round trip per key in use per flush,
 * whatever the request rate). A burst can overshoot the limit by at most what the other replicas take
 * in one flush interval. A failed flush keeps the hits pending and is retried: an unreachable store
 * never turns into "no limit" for the hits it did count, nor into refusing everyone.
 */
export class SharedBudget {
  private readonly keys = new Map<string, KeyState>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly options: SharedBudgetOptions,
    private readonly counter: RateCounterFn,
  ) {}

  /** Takes one hit for `key`, or says when to come back. Pure local decision; never awaits I/O. */
  take(key: string): BudgetDecision {
    const now = this.options.now();
    let state = this.keys.get(key);
    if (!state || now >= state.windowEndsAt) {
      state = { shared: 0, pending: 0, windowEndsAt: now + this.options.windowMs };
      this.keys.set(key, state);
    }
    if (state.shared + state.pending >= this.options.limit) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((state.windowEndsAt - now) / 1000)) };
    }
    state.pending += 1;
    return { allowed: true };
  }

  /** Adds every key's pending hits to the shared counters and reads back the totals. */
  flush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    const now = this.options.now();
    await Promise.all(
      [...this.keys].map(async ([key, state]) => {
        if (state.pending === 0 && now >= state.windowEndsAt) {
          this.keys.delete(key);
          return;
        }
        // Also with nothing pending: reading the count back learns what the other replicas took.
        const amount = state.pending;
        state.pending -= amount;
        try {
          const window = await this.counter(key, this.options.windowMs, amount);
          state.shared = window.count;
          state.windowEndsAt = this.options.now() + Math.max(1, window.resetMs);
        } catch {
          state.pending += amount;
        }
      }),
    );
  }
}

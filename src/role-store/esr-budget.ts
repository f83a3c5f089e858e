/**
 * ESR's rate budget (ESR_RATE_LIMIT_PER_SECOND requests in any sliding second, for every replica
 * together), as a port: EsrBudgetStore. Two implementations: in-process (MemoryEsrBudget, one
 * replica's own log: the embedded default) and Redis (RedisEsrBudget, one window shared by every
 * replica, one round trip per take). One contract suite (test/role-store) runs against both.
 * The pure decisions (lane caps, the per-pod share while Redis is away) are here.
 */

/** Which queue a call waits in: `interactive` (a person waits) or `sync` (background listings). */
export type EsrBudgetLane = 'interactive' | 'sync';

/** The budget's rule, passed with each take (the ESR settings own the numbers). */
export interface EsrBudgetRule {
  /** Requests in any window, every replica together (ESR_RATE_LIMIT_PER_SECOND). */
  limit: number;
  /** Percent of the limit the sync lane leaves to interactive calls (ESR_INTERACTIVE_RESERVE). */
  reservePercent: number;
  windowMs: number;
  /**
   * Longest a call can hold its place before its answer arrives (the whole-request timeout): a
   * place whose answer has not been reported holds until start + this + windowMs.
   */
  holdMs: number;
  /** Replicas expected at least (ESR_RATE_LIMIT_REPLICAS): divides the limit while the shared store is away. */
  replicas: number;
}

/** A place taken in the window: report when the call's answer (or failure) arrived. */
export interface EsrBudgetPlace {
  /** The place frees one window from now. Idempotent. */
  finish(): void;
}

/** Where the answer came from: the shared window, or this pod's conservative share while it is away. */
export type EsrBudgetSource = 'shared' | 'local' | 'fallback';

export type EsrBudgetAnswer =
  | { granted: true; place: EsrBudgetPlace; used: number; source: EsrBudgetSource }
  | { granted: false; retryInMs: number; used: number; source: EsrBudgetSource };

/**
 * The ESR budget. `take` checks and records atomically (one round trip to a shared store); a
 * refusal says how long until a place frees. A place is held from its take until one window after
 * its `finish()` (ESR counts a request on arrival, which is between the two).
 */
export abstract class EsrBudgetStore {
  /** 'shared': one window for every replica (Redis); 'local': this process only. */
  abstract readonly kind: 'shared' | 'local';

  abstract take(lane: EsrBudgetLane, rule: EsrBudgetRule): Promise<EsrBudgetAnswer>;
}

/** What the sync lane may use of a budget: all but the reserved share, and at least one. */
export function syncShare(budget: number, reservePercent: number): number {
  if (budget <= 1 || reservePercent <= 0) return budget;
  const reserved = Math.min(budget - 1, Math.max(1, Math.ceil((budget * reservePercent) / 100)));
  return budget - reserved;
}

/** Places a lane may fill of a budget: interactive calls all of it, the sync its share. */
export function laneCap(lane: EsrBudgetLane, budget: number, reservePercent: number): number {
  return lane === 'interactive' ? budget : syncShare(budget, reservePercent);
}

/**
 * This pod's share while the shared window is away: the limit divided by the most replicas known
 * (configured, or seen using the window recently), rounded down, at least one.
 */
export function fallbackLimit(limit: number, replicas: number, seenReplicas: number): number {
  return Math.max(1, Math.floor(limit / Math.max(1, replicas, seenReplicas)));
}

/**
 * When a window log is full: how long until enough places free for one more under `cap`, given the
 * times (ascending) at which the places taken free.
 */
export function waitForPlace(freesAt: readonly number[], cap: number, now: number): number {
  const used = freesAt.length;
  if (used < cap) return 0;
  return Math.max(1, Math.ceil(freesAt[used - cap] - now));
}

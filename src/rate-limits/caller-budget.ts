import { createHash } from 'node:crypto';
import type { RateWindow } from '../role-store/rate-counter';

/** Per-caller budgets are counted in fixed one-minute windows. */
export const CALLER_BUDGET_WINDOW_MS = 60_000;

/**
 * One named per-minute budget charged to one caller: an acting user's searches, an API key's searches,
 * a portal user's refreshes. Counted in the shared RateCounter under `<name>:<caller>`, so every replica
 * sees the same count.
 */
export interface CallerBudget {
  /** What is limited, e.g. 'credential-search': the counter key's prefix and what a refusal names. */
  readonly name: string;
  /** Hits allowed per caller in one minute, across every replica. */
  readonly limitPerMinute: number;
  /** Who is charged: an API key id, or hashedCaller(id) for an id that may be personal (an e-mail address). */
  readonly caller: string;
}

export type CallerBudgetDecision = { allowed: true } | { allowed: false; budget: CallerBudget; retryAfterSeconds: number };

/** The shared counter's key of a budget and caller. */
export function budgetCounterKey(budget: CallerBudget): string {
  return `${budget.name}:${budget.caller}`;
}

/** A caller id as a counter key holds it: the first 32 hex digits of its SHA-256, never the id itself. */
export function hashedCaller(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 32);
}

/**
 * Whether a hit may go on, from each budget's window after counting it (windows[i] is budgets[i]'s).
 * The first budget over its limit, in the order given (the caller's precedence), refuses, with the
 * seconds until its window resets (at least 1; a whole window when the counter did not say).
 */
export function decideBudgets(budgets: readonly CallerBudget[], windows: readonly RateWindow[]): CallerBudgetDecision {
  const over = budgets.findIndex((budget, i) => windows[i].count > budget.limitPerMinute);
  if (over < 0) return { allowed: true };
  const { resetMs } = windows[over];
  return {
    allowed: false,
    budget: budgets[over],
    retryAfterSeconds: Math.max(1, Math.ceil((resetMs > 0 ? resetMs : CALLER_BUDGET_WINDOW_MS) / 1000)),
  };
}

/**
 * How many of `amount` hits counted together fit every budget (0 to amount): each budget allows what
 * was left of its limit before the hits were counted (windows[i] is budgets[i]'s, after counting).
 */
export function hitsWithinBudgets(budgets: readonly CallerBudget[], windows: readonly RateWindow[], amount: number): number {
  return budgets.reduce((allowed, budget, i) => {
    const before = windows[i].count - amount;
    return Math.min(allowed, Math.max(0, budget.limitPerMinute - before));
  }, amount);
}

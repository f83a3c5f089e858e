import { Injectable } from '@nestjs/common';
import { RateCounter } from '../role-store/rate-counter';
import {
  budgetCounterKey,
  CALLER_BUDGET_WINDOW_MS,
  CallerBudget,
  CallerBudgetDecision,
  decideBudgets,
  hitsWithinBudgets,
} from './caller-budget';

/**
 * The one per-caller rate limit: counts a hit on each named budget in the shared RateCounter (Redis
 * with replicas) and decides with decideBudgets. Callers turn a refusal into their own error (429
 * RATE_LIMITED with Retry-After) and audit it as they need.
 */
@Injectable()
export class CallerRateLimiter {
  constructor(private readonly counter: RateCounter) {}

  /** Counts one hit on every budget (all of them, refused or not) and decides: a refusal names the first budget over its limit. */
  async consume(budgets: readonly CallerBudget[]): Promise<CallerBudgetDecision> {
    const windows = await Promise.all(budgets.map((budget) => this.counter.hit(budgetCounterKey(budget), CALLER_BUDGET_WINDOW_MS)));
    return decideBudgets(budgets, windows);
  }

  /**
   * Counts `amount` hits on every budget at once (a batch, e.g. an import's rows) and answers how many
   * of them fit within every budget (0 to amount): the caller goes on with that many. The hits not
   * granted are taken off the counters again, so a large batch uses up what was left, not more.
   */
  async consumeMany(budgets: readonly CallerBudget[], amount: number): Promise<number> {
    if (amount <= 0) return 0;
    const windows = await Promise.all(budgets.map((budget) => this.counter.hit(budgetCounterKey(budget), CALLER_BUDGET_WINDOW_MS, amount)));
    const granted = hitsWithinBudgets(budgets, windows, amount);
    if (granted < amount) {
      await Promise.all(budgets.map((budget) => this.counter.hit(budgetCounterKey(budget), CALLER_BUDGET_WINDOW_MS, granted - amount)));
    }
    return granted;
  }
}

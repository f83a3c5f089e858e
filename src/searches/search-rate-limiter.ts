import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { RateBudgets } from '../config/settings/rate-budgets.settings';
import { CallerBudget, hashedCaller } from '../rate-limits/caller-budget';
import { CallerRateLimiter } from '../rate-limits/caller-rate-limiter';

const KEY_BUDGET = 'credential-search-key';

/** Thrown when an acting user, or the API key calling for them, has used up this minute's searches. */
export class SearchRateLimitedError extends DomainError {
  constructor(limit: number, retryAfterSeconds: number, per: 'user' | 'key' = 'user') {
    super(
      'RATE_LIMITED',
      per === 'user'
        ? `At most ${limit} ESR searches a minute are allowed per user; try again in ${retryAfterSeconds} seconds.`
        : `At most ${limit} ESR searches a minute are allowed for this portal's API key; try again in ${retryAfterSeconds} seconds.`,
      { retryAfterSeconds },
    );
    this.name = 'SearchRateLimitedError';
  }
}

/**
 * The credential searches' budgets in the CallerRateLimiter: per acting user (SEARCH_RATE_LIMIT_PER_MINUTE,
 * counted under a hash of the portal user id: ids may be e-mail addresses) and per API key
 * (SEARCH_KEY_RATE_LIMIT_PER_MINUTE, so varying X-Acting-User does not lift the limit). The key's
 * budget is named first when both are used up.
 */
@Injectable()
export class SearchRateLimiter {
  constructor(
    private readonly limiter: CallerRateLimiter,
    private readonly budgets: RateBudgets,
  ) {}

  /** Counts one search for this user and key; throws SearchRateLimitedError (429) once over a limit. */
  async consume(actingUser: string, apiKeyId?: string): Promise<void> {
    const budgets: CallerBudget[] = [
      ...(apiKeyId === undefined ? [] : [{ name: KEY_BUDGET, limitPerMinute: this.budgets.searchPerKeyPerMinute, caller: apiKeyId }]),
      { name: 'credential-search', limitPerMinute: this.budgets.searchPerUserPerMinute, caller: hashedCaller(actingUser) },
    ];
    const decision = await this.limiter.consume(budgets);
    if (decision.allowed) return;
    const per = decision.budget.name === KEY_BUDGET ? 'key' : 'user';
    throw new SearchRateLimitedError(decision.budget.limitPerMinute, decision.retryAfterSeconds, per);
  }
}

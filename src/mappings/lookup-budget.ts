import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { RateBudgets } from '../config/settings/rate-budgets.settings';
import { CallerBudget, hashedCaller } from '../rate-limits/caller-budget';
import { CallerRateLimiter } from '../rate-limits/caller-rate-limiter';

const KEY_BUDGET = 'record-lookup-key';
const USER_BUDGET = 'record-lookup';

/** Thrown when an acting user, or the API key calling for them, has used up this minute's ESR record look-ups. */
export class LookupRateLimitedError extends DomainError {
  constructor(limit: number, retryAfterSeconds: number, per: 'user' | 'key') {
    super(
      'RATE_LIMITED',
      per === 'user'
        ? `At most ${limit} ESR record look-ups a minute are allowed per user; try again in ${retryAfterSeconds} seconds.`
        : `At most ${limit} ESR record look-ups a minute are allowed for this portal's API key; try again in ${retryAfterSeconds} seconds.`,
      { retryAfterSeconds },
    );
    this.name = 'LookupRateLimitedError';
  }
}

/**
 * The ESR record look-up budgets in the CallerRateLimiter, shared by everything that asks ESR about
 * one record for a person: the look-up (GET /v1/vpds/{vpd}/people/{employeeNumber}), saving a mapping
 * and import rows that need ESR. Per acting user (LOOKUP_RATE_LIMIT_PER_MINUTE, counted under a hash of
 * the portal user id) and per API key (LOOKUP_KEY_RATE_LIMIT_PER_MINUTE, so varying X-Acting-User does
 * not lift the limit); the key's budget is named first when both are used up.
 */
@Injectable()
export class LookupBudget {
  constructor(
    private readonly limiter: CallerRateLimiter,
    private readonly budgets: RateBudgets,
  ) {}

  /** Counts one look-up for this user and key; throws LookupRateLimitedError (429) once over a limit. */
  async consume(actingUser: string, apiKeyId: string): Promise<void> {
    const decision = await this.limiter.consume(this.of(actingUser, apiKeyId));
    if (decision.allowed) return;
    const per = decision.budget.name === KEY_BUDGET ? 'key' : 'user';
    throw new LookupRateLimitedError(decision.budget.limitPerMinute, decision.retryAfterSeconds, per);
  }

  /** Counts `wanted` look-ups at once (an import's rows) and answers how many fit the budgets (0 to wanted). */
  async grant(actingUser: string, apiKeyId: string, wanted: number): Promise<number> {
    return this.limiter.consumeMany(this.of(actingUser, apiKeyId), wanted);
  }

  private of(actingUser: string, apiKeyId: string): CallerBudget[] {
    return [
      { name: KEY_BUDGET, limitPerMinute: this.budgets.lookupPerKeyPerMinute, caller: apiKeyId },
      { name: USER_BUDGET, limitPerMinute: this.budgets.lookupPerUserPerMinute, caller: hashedCaller(actingUser) },
    ];
  }
}

import { CanActivate, ExecutionContext, Injectable, OnModuleDestroy } from '@nestjs/common';
import { RateCounter } from '../role-store/rate-counter';
import { RateBudgets } from '../config/settings/rate-budgets.settings';
import type { AuthenticatedRequest } from '../common/auth/auth.decorators';
import { Clock } from '../common/clock/clock';
import { DomainError } from '../common/errors/domain-error';
import { SharedBudget } from './shared-budget';

const WINDOW_MS = 60_000;
const FLUSH_EVERY_MS = 250;

/**
 * A request budget per API key on /v1 (API_RATE_LIMIT_PER_MINUTE), held across replicas through the
 * shared cache without a round trip per request (see SharedBudget): one key cannot starve the others
 * or flood the audit trail. Runs after ApiKeyGuard; routes without an API key (health, metrics,
 * docs) are not counted. Over budget: 429 RATE_LIMITED with Retry-After.
 */
@Injectable()
export class RequestBudgetGuard implements CanActivate, OnModuleDestroy {
  private readonly budget: SharedBudget;
  private readonly timer: NodeJS.Timeout;

  constructor(counter: RateCounter, rates: RateBudgets, clock: Clock) {
    this.budget = new SharedBudget(
      { limit: rates.apiPerKeyPerMinute, windowMs: WINDOW_MS, flushEveryMs: FLUSH_EVERY_MS, now: () => clock.nowMs() },
      (key, windowMs, amount) => counter.hit(`api-key:${key}`, windowMs, amount),
    );
    this.timer = setInterval(() => void this.budget.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  canActivate(context: ExecutionContext): boolean {
    const keyId = context.switchToHttp().getRequest<AuthenticatedRequest>().apiKeyId;
    if (keyId === undefined) return true;
    const decision = this.budget.take(keyId);
    if (decision.allowed) return true;
    throw new DomainError(
      'RATE_LIMITED',
      `This API key has used its request budget for this minute; try again in ${decision.retryAfterSeconds} seconds.`,
      {
        retryAfterSeconds: decision.retryAfterSeconds,
      },
    );
  }

  /** Adds this replica's hits to the shared counts and reads back the others' now (the timer does this every 250 ms). */
  flush(): Promise<void> {
    return this.budget.flush();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.budget.flush();
  }
}

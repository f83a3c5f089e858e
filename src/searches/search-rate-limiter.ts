import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { RateCounter } from '../role-store/rate-counter';

export const SEARCH_RATE_WINDOW_MS = 60_000;

/** Thrown when an acting user has used up this minute's searches. */
export class SearchRateLimitedError extends DomainError {
  constructor(limit: number, retryAfterSeconds: number) {
    super('RATE_LIMITED', `At most ${limit} ESR searches a minute are allowed per user; try again in ${retryAfterSeconds} seconds.`, {
      retryAfterSeconds,
    });
    this.name = 'SearchRateLimitedError';
  }
}

/**
 * Credential searches per acting user: SEARCH_RATE_LIMIT_PER_MINUTE in a fixed one-minute window,
 * counted in the shared RateCounter (Redis with replicas) so every replica sees the same count. The key
 * holds a hash of the portal user id, not the id itself (ids may be e-mail addresses).
 */
@Injectable()
export class SearchRateLimiter {
  constructor(
    private readonly counter: RateCounter,
    private readonly config: AppConfig,
  ) {}

  /** Counts one search for this user; throws SearchRateLimitedError (429) once over the limit. */
  async consume(actingUser: string): Promise<void> {
    const limit = this.config.searchRateLimitPerMinute;
    const key = `credential-search:${createHash('sha256').update(actingUser, 'utf8').digest('hex').slice(0, 32)}`;
    const window = await this.counter.hit(key, SEARCH_RATE_WINDOW_MS);
    if (window.count > limit) {
      const resetMs = window.resetMs > 0 ? window.resetMs : SEARCH_RATE_WINDOW_MS;
      throw new SearchRateLimitedError(limit, Math.max(1, Math.ceil(resetMs / 1000)));
    }
  }
}

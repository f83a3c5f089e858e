import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { RateCounter } from '../role-store/rate-counter';

export const SEARCH_RATE_WINDOW_MS = 60_000;

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
 * Credential searches per acting user (SEARCH_RATE_LIMIT_PER_MINUTE) and per API key
 * (SEARCH_KEY_RATE_LIMIT_PER_MINUTE, so varying X-Acting-User does not lift the limit), each in a
 * fixed one-minute window counted in the shared RateCounter (Redis with replicas) so every replica sees
 * the same count. The key holds a hash of the portal user id, not the id itself (ids may be e-mail
 * addresses).
 */
@Injectable()
export class SearchRateLimiter {
  constructor(
    private readonly counter: RateCounter,
    private readonly config: AppConfig,
  ) {}

  /** Counts one search for this user and key; throws SearchRateLimitedError (429) once over a limit. */
  async consume(actingUser: string, apiKeyId?: string): Promise<void> {
    const userKey = `credential-search:${createHash('sha256').update(actingUser, 'utf8').digest('hex').slice(0, 32)}`;
    const [user, key] = await Promise.all([
      this.counter.hit(userKey, SEARCH_RATE_WINDOW_MS),
      apiKeyId === undefined ? undefined : this.counter.hit(`credential-search-key:${apiKeyId}`, SEARCH_RATE_WINDOW_MS),
    ]);
    if (key && key.count > this.config.searchKeyRateLimitPerMinute)
      throw new SearchRateLimitedError(this.config.searchKeyRateLimitPerMinute, retryAfter(key.resetMs), 'key');
    if (user.count > this.config.searchRateLimitPerMinute)
      throw new SearchRateLimitedError(this.config.searchRateLimitPerMinute, retryAfter(user.resetMs));
  }
}

function retryAfter(resetMs: number): number {
  return Math.max(1, Math.ceil((resetMs > 0 ? resetMs : SEARCH_RATE_WINDOW_MS) / 1000));
}

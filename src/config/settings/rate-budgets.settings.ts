import { EnvironmentVariables } from '../env.schema';

/** Per-minute budgets shared across replicas: per API key, per portal user and per operation. */
export class RateBudgets {
  /** Requests per API key per minute on /v1. */
  readonly apiPerKeyPerMinute: number;
  /** Credential searches per portal user per minute. */
  readonly searchPerUserPerMinute: number;
  /** Credential searches per API key per minute, on top of the per-user limit. */
  readonly searchPerKeyPerMinute: number;
  /** On-demand access refreshes per portal user per minute. */
  readonly refreshPerUserPerMinute: number;
  /** ESR record look-ups (the look-up, saving a mapping, import rows that need ESR) per acting user per minute. */
  readonly lookupPerUserPerMinute: number;
  /** ESR record look-ups per API key per minute, on top of the per-user limit. */
  readonly lookupPerKeyPerMinute: number;

  constructor(env: EnvironmentVariables) {
    this.apiPerKeyPerMinute = env.API_RATE_LIMIT_PER_MINUTE;
    this.searchPerUserPerMinute = env.SEARCH_RATE_LIMIT_PER_MINUTE;
    this.searchPerKeyPerMinute = env.SEARCH_KEY_RATE_LIMIT_PER_MINUTE;
    this.refreshPerUserPerMinute = env.REFRESH_RATE_LIMIT_PER_MINUTE;
    this.lookupPerUserPerMinute = env.LOOKUP_RATE_LIMIT_PER_MINUTE;
    this.lookupPerKeyPerMinute = env.LOOKUP_KEY_RATE_LIMIT_PER_MINUTE;
  }
}

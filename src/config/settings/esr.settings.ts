import { EnvironmentVariables } from '../env.schema';
import { ms } from './parse';

/**
 * ESR: where and as whom (client), which VPDs and role, and how calls are paced: resilience (attempts,
 * backoff, Retry-After cap, breaker), rate and concurrency (lanes and the interactive reserve) and the
 * deadline a person waits.
 */
export class EsrSettings {
  /** ESR base URL; undefined only in local mode, where bootstrap starts the built-in ESR sandbox. */
  readonly baseUrl: string | undefined;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
  /** Configured VPDs, or undefined for every VPD that ESR lists. */
  readonly vpds: string[] | undefined;
  /** The ESR role that grants access (ESR_ROLE_NAME). */
  readonly roleName: string;
  readonly pageSize: number;

  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly retryAfterCapMs: number;
  readonly breakerThreshold: number;
  readonly breakerHalfOpenAfterMs: number;

  /** ESR's rate budget for every replica together (shared through Redis; this process's own without it). */
  readonly rateLimitPerSecond: number;
  /** Replicas expected at least: while Redis is away, each keeps to rateLimitPerSecond / this (or / the replicas seen). */
  readonly rateLimitReplicas: number;
  readonly maxConcurrency: number;
  /** Percent of ESR's rate and concurrency budgets reserved for interactive calls (the sync never uses it). */
  readonly interactiveReservePercent: number;
  /** Longest a person waits on ESR, retries and queueing included (ESR_INTERACTIVE_DEADLINE). */
  readonly interactiveDeadlineMs: number;

  constructor(env: EnvironmentVariables) {
    this.baseUrl = env.ESR_BASE_URL;
    this.clientId = env.ESR_CLIENT_ID;
    this.clientSecret = env.ESR_CLIENT_SECRET;
    this.scope = env.ESR_SCOPE;
    this.vpds = env.ESR_VPDS?.split(',');
    this.roleName = env.ESR_ROLE_NAME;
    this.pageSize = env.ESR_PAGE_SIZE;

    this.connectTimeoutMs = ms(env.ESR_CONNECT_TIMEOUT);
    this.requestTimeoutMs = ms(env.ESR_REQUEST_TIMEOUT);
    this.maxAttempts = env.ESR_MAX_ATTEMPTS;
    this.retryBaseDelayMs = ms(env.ESR_RETRY_BASE_DELAY);
    this.retryMaxDelayMs = ms(env.ESR_RETRY_MAX_DELAY);
    this.retryAfterCapMs = ms(env.ESR_RETRY_AFTER_CAP);
    this.breakerThreshold = env.ESR_BREAKER_THRESHOLD;
    this.breakerHalfOpenAfterMs = ms(env.ESR_BREAKER_HALF_OPEN_AFTER);

    this.rateLimitPerSecond = env.ESR_RATE_LIMIT_PER_SECOND;
    this.rateLimitReplicas = env.ESR_RATE_LIMIT_REPLICAS;
    this.maxConcurrency = env.ESR_MAX_CONCURRENCY;
    this.interactiveReservePercent = env.ESR_INTERACTIVE_RESERVE;
    this.interactiveDeadlineMs = ms(env.ESR_INTERACTIVE_DEADLINE);
  }
}

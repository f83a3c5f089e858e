import type { KeyObject } from 'node:crypto';
import { EnvironmentVariables } from '../env.schema';
import { EsrAssertionAlgorithm, EsrClientAuthMethod, parseEsrClientKey } from '../esr-client-auth';
import { ms } from './parse';

/**
 * How the gateway proves who it is at ESR's token endpoint (ESR_CLIENT_AUTH): a secret in the form or
 * in HTTP Basic, or a JWT client assertion signed with the private key.
 */
export type EsrClientAuth =
  | { readonly method: 'client_secret_post' | 'client_secret_basic'; readonly clientSecret: string }
  | { readonly method: 'private_key_jwt'; readonly key: KeyObject; readonly keyId: string; readonly alg: EsrAssertionAlgorithm };

function clientAuthOf(env: EnvironmentVariables): EsrClientAuth {
  const method = env.ESR_CLIENT_AUTH as EsrClientAuthMethod;
  if (method !== 'private_key_jwt') return { method, clientSecret: env.ESR_CLIENT_SECRET };
  const { key, alg } = parseEsrClientKey(
    env.ESR_CLIENT_PRIVATE_KEY as string,
    env.ESR_CLIENT_ASSERTION_ALG as EsrAssertionAlgorithm | undefined,
  );
  return { method, key, keyId: env.ESR_CLIENT_KEY_ID as string, alg };
}

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
  /** ESR_TOKEN_URL; undefined for `${base URL}/oauth2/token` of the endpoint bootstrap opened. */
  readonly tokenUrl: string | undefined;
  /** ESR_CLIENT_AUTH and what it needs (the secret, or the private key, its kid and algorithm). */
  readonly clientAuth: EsrClientAuth;
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
    this.tokenUrl = env.ESR_TOKEN_URL;
    this.clientAuth = clientAuthOf(env);
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

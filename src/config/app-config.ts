import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiKey, LOCAL_DEV_API_KEY, parseApiKeys } from './api-keys';
import { parseIsoDuration } from './duration';
import { EnvironmentVariables } from './env.schema';

const ms = (iso: string): number => parseIsoDuration(iso) as number; // validated at boot

/** Typed, validated configuration. Read this, never process.env. */
@Injectable()
export class AppConfig {
  private readonly env: EnvironmentVariables;

  constructor(config: ConfigService) {
    this.env = config.get<EnvironmentVariables>('env', { infer: true }) as EnvironmentVariables;
  }

  /** For tests and scripts: builds an AppConfig straight from validated variables. */
  static from(env: EnvironmentVariables): AppConfig {
    const cfg = Object.create(AppConfig.prototype) as AppConfig;
    (cfg as unknown as { env: EnvironmentVariables }).env = env;
    return cfg;
  }

  get port(): number {
    return this.env.PORT;
  }
  get host(): string {
    return this.env.HOST;
  }
  get isProduction(): boolean {
    return this.env.NODE_ENV === 'production';
  }
  get logLevel(): string {
    return this.env.LOG_LEVEL;
  }
  get shutdownGraceMs(): number {
    return ms(this.env.SHUTDOWN_GRACE_PERIOD);
  }

  get database(): { kind: 'postgres'; url: string; poolSize: number } | { kind: 'sqlite'; path: string } {
    return this.env.DATABASE_URL
      ? { kind: 'postgres', url: this.env.DATABASE_URL, poolSize: this.env.DATABASE_POOL_SIZE }
      : { kind: 'sqlite', path: this.env.SQLITE_PATH };
  }
  get runMigrations(): boolean {
    return this.env.DATABASE_MIGRATIONS_RUN;
  }

  /** Redis URL, or undefined for the in-process cache. */
  get redisUrl(): string | undefined {
    return this.env.REDIS_URL;
  }
  get redisKeyPrefix(): string {
    return this.env.REDIS_KEY_PREFIX;
  }

  /** True when running on the embedded default's local API key. */
  get usesLocalApiKey(): boolean {
    return !this.env.API_KEYS;
  }
  get apiKeys(): ApiKey[] {
    return this.env.API_KEYS ? parseApiKeys(this.env.API_KEYS) : [LOCAL_DEV_API_KEY];
  }

  /** ESR base URL, or undefined to start the built-in ESR sandbox. */
  get esrBaseUrl(): string | undefined {
    return this.env.ESR_BASE_URL;
  }
  get esrClientId(): string {
    return this.env.ESR_CLIENT_ID;
  }
  get esrClientSecret(): string {
    return this.env.ESR_CLIENT_SECRET;
  }
  get esrScope(): string {
    return this.env.ESR_SCOPE;
  }
  /** Configured VPDs, or undefined for every VPD that ESR lists. */
  get esrVpds(): string[] | undefined {
    return this.env.ESR_VPDS?.split(',');
  }
  get esrRoleName(): string {
    return this.env.ESR_ROLE_NAME;
  }
  get esrConnectTimeoutMs(): number {
    return ms(this.env.ESR_CONNECT_TIMEOUT);
  }
  get esrRequestTimeoutMs(): number {
    return ms(this.env.ESR_REQUEST_TIMEOUT);
  }
  get esrMaxAttempts(): number {
    return this.env.ESR_MAX_ATTEMPTS;
  }
  get esrRetryBaseDelayMs(): number {
    return ms(this.env.ESR_RETRY_BASE_DELAY);
  }
  get esrRetryMaxDelayMs(): number {
    return ms(this.env.ESR_RETRY_MAX_DELAY);
  }
  get esrRetryAfterCapMs(): number {
    return ms(this.env.ESR_RETRY_AFTER_CAP);
  }
  get esrRateLimitPerSecond(): number {
    return this.env.ESR_RATE_LIMIT_PER_SECOND;
  }
  get esrMaxConcurrency(): number {
    return this.env.ESR_MAX_CONCURRENCY;
  }
  get esrBreakerThreshold(): number {
    return this.env.ESR_BREAKER_THRESHOLD;
  }
  get esrBreakerHalfOpenAfterMs(): number {
    return ms(this.env.ESR_BREAKER_HALF_OPEN_AFTER);
  }
  get esrPageSize(): number {
    return this.env.ESR_PAGE_SIZE;
  }

  get activationDelayMs(): number {
    return ms(this.env.ACTIVATION_DELAY);
  }
  get syncEnabled(): boolean {
    return this.env.SYNC_ENABLED;
  }
  get syncIntervalMs(): number {
    return ms(this.env.SYNC_INTERVAL);
  }
  get fullSyncCron(): string {
    return this.env.FULL_SYNC_CRON;
  }
  get syncLeaseTtlMs(): number {
    return ms(this.env.SYNC_LEASE_TTL);
  }
  get removalGuardPercent(): number {
    return this.env.SYNC_REMOVAL_GUARD_PERCENT;
  }
  get removalGuardCount(): number | undefined {
    return this.env.SYNC_REMOVAL_GUARD_COUNT;
  }
  get accessMaxStalenessMs(): number {
    return ms(this.env.ACCESS_MAX_STALENESS);
  }

  get searchRateLimitPerMinute(): number {
    return this.env.SEARCH_RATE_LIMIT_PER_MINUTE;
  }
  /** HMAC key for search criteria in the audit. The embedded default uses a fixed local key. */
  get auditHmacSecret(): string {
    return this.env.AUDIT_HMAC_SECRET ?? 'local-development-audit-key';
  }

  /**
   * The ops status page (/status). STATUS_PAGE_ENABLED unset: on in the embedded default, and outside
   * it only when STATUS_PAGE_SESSION_SECRET is set (fail closed: no secret, no page).
   * `sessionSecret` undefined means "local mode: make one per process".
   */
  get statusPage(): { enabled: boolean; sessionSecret: string | undefined; sessionTtlMs: number; secureCookie: boolean } {
    const local = !this.env.DATABASE_URL;
    const secret = this.env.STATUS_PAGE_SESSION_SECRET;
    const enabled = this.env.STATUS_PAGE_ENABLED ?? (local || secret !== undefined);
    return {
      enabled: enabled && (local || secret !== undefined),
      sessionSecret: secret,
      sessionTtlMs: ms(this.env.STATUS_PAGE_SESSION_TTL),
      secureCookie: this.isProduction,
    };
  }

  get sandbox(): { seed: number; vpdCount: number; roleAssignments: number } {
    return { seed: this.env.SANDBOX_SEED, vpdCount: this.env.SANDBOX_VPD_COUNT, roleAssignments: this.env.SANDBOX_ROLE_ASSIGNMENTS };
  }
}

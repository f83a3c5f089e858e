import { ApiKey, LOCAL_DEV_API_KEY, parseApiKeys } from './api-keys';
import { parseIsoDuration } from './duration';
import { EnvironmentVariables, isLocalMode } from './env.schema';

/** The key search criteria are hashed with in local mode (never outside it: AUDIT_HMAC_SECRET is required there). */
const LOCAL_AUDIT_HMAC_SECRET = 'local-development-audit-key';

const ms = (iso: string): number => parseIsoDuration(iso) as number; // validated before parsing

export type DatabaseSettings = { kind: 'postgres'; url: string; poolSize: number } | { kind: 'sqlite'; path: string };

/**
 * Typed, validated configuration, parsed once: read these fields, never process.env. Built at bootstrap
 * (`new AppConfig(validateEnvironment(process.env))`) and provided by ConfigModule.
 */
export class AppConfig {
  /**
   * Local mode: no NODE_ENV=production, no DATABASE_URL and no ESR_BASE_URL. Only then the local API key,
   * the fixed audit key and the built-in ESR sandbox are used, and the default listen address is 127.0.0.1.
   */
  readonly localMode: boolean;
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly shutdownGraceMs: number;

  readonly database: DatabaseSettings;
  readonly runMigrations: boolean;

  /** Redis URL, or undefined for the in-process store. */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;

  /** True when running on the local API key (local mode without API_KEYS). */
  readonly usesLocalApiKey: boolean;
  readonly apiKeys: readonly ApiKey[];

  /** ESR base URL; undefined only in local mode, where bootstrap starts the built-in ESR sandbox. */
  readonly esrBaseUrl: string | undefined;
  readonly esrClientId: string;
  readonly esrClientSecret: string;
  readonly esrScope: string;
  /** Configured VPDs, or undefined for every VPD that ESR lists. */
  readonly esrVpds: string[] | undefined;
  readonly esrRoleName: string;
  readonly esrConnectTimeoutMs: number;
  readonly esrRequestTimeoutMs: number;
  readonly esrMaxAttempts: number;
  readonly esrRetryBaseDelayMs: number;
  readonly esrRetryMaxDelayMs: number;
  readonly esrRetryAfterCapMs: number;
  readonly esrRateLimitPerSecond: number;
  readonly esrMaxConcurrency: number;
  /** Percent of ESR's rate and concurrency budgets reserved for interactive calls (the sync never uses it). */
  readonly esrInteractiveReservePercent: number;
  /** Longest a person waits on ESR, retries and queueing included (ESR_INTERACTIVE_DEADLINE). */
  readonly esrInteractiveDeadlineMs: number;
  readonly esrBreakerThreshold: number;
  readonly esrBreakerHalfOpenAfterMs: number;
  readonly esrPageSize: number;

  readonly activationDelayMs: number;
  readonly syncEnabled: boolean;
  readonly syncIntervalMs: number;
  readonly fullSyncCron: string;
  readonly syncLeaseTtlMs: number;
  readonly removalGuardPercent: number;
  readonly removalGuardCount: number | undefined;
  readonly accessMaxStalenessMs: number;
  /** How often the mapping mirror is compared with the database (and repaired). */
  readonly mappingCacheCheckIntervalMs: number;

  readonly searchRateLimitPerMinute: number;
  /** Credential searches per API key per minute, on top of the per-user limit. */
  readonly searchKeyRateLimitPerMinute: number;
  /** Requests per API key per minute on /v1, across replicas. */
  readonly apiRateLimitPerMinute: number;
  /** On-demand access refreshes per portal user per minute. */
  readonly refreshRateLimitPerMinute: number;
  /** Repeated refusals for one user and reason within this window are one audit row with a count. */
  readonly auditRefusalWindowMs: number;
  /** Whether an acting user may map their own portal account (separation of duties is the default). */
  readonly mappingSelfService: boolean;
  /** The whole request (headers and body) must arrive within this (slow clients are cut off). */
  readonly httpRequestTimeoutMs: number;
  /** A connection idle this long in the middle of a request is closed. */
  readonly httpConnectionTimeoutMs: number;
  /** Whether /docs and /openapi.json are served. */
  readonly docsEnabled: boolean;
  /** HMAC key for search criteria in the audit (a fixed key in local mode only). */
  readonly auditHmacSecret: string;
  /** True when hashing with the fixed local key (local mode without AUDIT_HMAC_SECRET). */
  readonly usesLocalAuditKey: boolean;

  /** Size of the built-in ESR sandbox's data (local mode). */
  readonly sandbox: { seed: number; vpdCount: number; roleAssignments: number };

  /** From variables that validateEnvironment has checked (tests and scripts build one this way too). */
  constructor(env: EnvironmentVariables) {
    this.localMode = isLocalMode(env);
    this.port = env.PORT;
    this.host = env.HOST ?? (this.localMode ? '127.0.0.1' : '0.0.0.0');
    this.logLevel = env.LOG_LEVEL;
    this.shutdownGraceMs = ms(env.SHUTDOWN_GRACE_PERIOD);

    this.database = env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
      : { kind: 'sqlite', path: env.SQLITE_PATH };
    this.runMigrations = env.DATABASE_MIGRATIONS_RUN;

    this.redisUrl = env.REDIS_URL;
    this.redisKeyPrefix = env.REDIS_KEY_PREFIX;

    this.usesLocalApiKey = !env.API_KEYS;
    this.apiKeys = env.API_KEYS ? parseApiKeys(env.API_KEYS) : [LOCAL_DEV_API_KEY];

    this.esrBaseUrl = env.ESR_BASE_URL;
    this.esrClientId = env.ESR_CLIENT_ID;
    this.esrClientSecret = env.ESR_CLIENT_SECRET;
    this.esrScope = env.ESR_SCOPE;
    this.esrVpds = env.ESR_VPDS?.split(',');
    this.esrRoleName = env.ESR_ROLE_NAME;
    this.esrConnectTimeoutMs = ms(env.ESR_CONNECT_TIMEOUT);
    this.esrRequestTimeoutMs = ms(env.ESR_REQUEST_TIMEOUT);
    this.esrMaxAttempts = env.ESR_MAX_ATTEMPTS;
    this.esrRetryBaseDelayMs = ms(env.ESR_RETRY_BASE_DELAY);
    this.esrRetryMaxDelayMs = ms(env.ESR_RETRY_MAX_DELAY);
    this.esrRetryAfterCapMs = ms(env.ESR_RETRY_AFTER_CAP);
    this.esrRateLimitPerSecond = env.ESR_RATE_LIMIT_PER_SECOND;
    this.esrMaxConcurrency = env.ESR_MAX_CONCURRENCY;
    this.esrInteractiveReservePercent = env.ESR_INTERACTIVE_RESERVE;
    this.esrInteractiveDeadlineMs = ms(env.ESR_INTERACTIVE_DEADLINE);
    this.esrBreakerThreshold = env.ESR_BREAKER_THRESHOLD;
    this.esrBreakerHalfOpenAfterMs = ms(env.ESR_BREAKER_HALF_OPEN_AFTER);
    this.esrPageSize = env.ESR_PAGE_SIZE;

    this.activationDelayMs = ms(env.ACTIVATION_DELAY);
    this.syncEnabled = env.SYNC_ENABLED;
    this.syncIntervalMs = ms(env.SYNC_INTERVAL);
    this.fullSyncCron = env.FULL_SYNC_CRON;
    this.syncLeaseTtlMs = ms(env.SYNC_LEASE_TTL);
    this.removalGuardPercent = env.SYNC_REMOVAL_GUARD_PERCENT;
    this.removalGuardCount = env.SYNC_REMOVAL_GUARD_COUNT;
    this.accessMaxStalenessMs = ms(env.ACCESS_MAX_STALENESS);
    this.mappingCacheCheckIntervalMs = ms(env.MAPPING_CACHE_CHECK_INTERVAL);

    this.searchRateLimitPerMinute = env.SEARCH_RATE_LIMIT_PER_MINUTE;
    this.searchKeyRateLimitPerMinute = env.SEARCH_KEY_RATE_LIMIT_PER_MINUTE;
    this.apiRateLimitPerMinute = env.API_RATE_LIMIT_PER_MINUTE;
    this.refreshRateLimitPerMinute = env.REFRESH_RATE_LIMIT_PER_MINUTE;
    this.auditRefusalWindowMs = ms(env.AUDIT_REFUSAL_WINDOW);
    this.mappingSelfService = env.MAPPING_SELF_SERVICE;
    this.httpRequestTimeoutMs = ms(env.HTTP_REQUEST_TIMEOUT);
    this.httpConnectionTimeoutMs = ms(env.HTTP_CONNECTION_TIMEOUT);
    this.docsEnabled = env.DOCS_ENABLED;
    this.auditHmacSecret = env.AUDIT_HMAC_SECRET ?? LOCAL_AUDIT_HMAC_SECRET;
    this.usesLocalAuditKey = !env.AUDIT_HMAC_SECRET;

    this.sandbox = { seed: env.SANDBOX_SEED, vpdCount: env.SANDBOX_VPD_COUNT, roleAssignments: env.SANDBOX_ROLE_ASSIGNMENTS };
  }

  /** For tests and scripts: `AppConfig.from(validateEnvironment(variables))`. */
  static from(env: EnvironmentVariables): AppConfig {
    return new AppConfig(env);
  }
}

import { ApiKey } from './api-keys';
import { EnvironmentVariables } from './env.schema';
import { Settings, settingsFrom } from './settings/settings';
import { WebhookSigningKey } from './webhook-secret';

/**
 * The parse result: every area's settings (`settings`, built once by settingsFrom) and, for the few
 * files not yet converted to the settings they read, the same values as one flat object. New code injects
 * the settings class it reads (HttpSettings, EsrSettings, SyncSettings, ...), never AppConfig. Built at
 * bootstrap (`AppConfig.from(validateEnvironment(process.env))`) and provided by ConfigModule.
 */
export class AppConfig {
  readonly settings: Settings;

  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  readonly apiKeys: readonly ApiKey[];
  readonly esrVpds: string[] | undefined;
  readonly activationDelayMs: number;
  readonly syncEnabled: boolean;
  readonly syncIntervalMs: number;
  readonly fullSyncCron: string;
  readonly syncLeaseTtlMs: number;
  readonly removalGuardPercent: number;
  readonly removalGuardCount: number | undefined;
  readonly accessMaxStalenessMs: number;
  readonly mappingCacheCheckIntervalMs: number;
  readonly searchRateLimitPerMinute: number;
  readonly searchKeyRateLimitPerMinute: number;
  readonly refreshRateLimitPerMinute: number;
  readonly auditRefusalWindowMs: number;
  readonly auditRetentionMs: number;
  /** Access-change events: the portal's receiver, signing key and WEBHOOK_MAX_ATTEMPTS, or undefined when webhooks are off. */
  readonly webhook: { url: string; secret: string; key: WebhookSigningKey; maxAttempts: number } | undefined;

  /** From variables that validateEnvironment has checked (tests and scripts build one this way too). */
  constructor(env: EnvironmentVariables) {
    const s = (this.settings = settingsFrom(env));
    this.redisUrl = s.redis.url;
    this.redisKeyPrefix = s.redis.keyPrefix;
    this.apiKeys = s.apiKeys.keys;
    this.esrVpds = s.esr.vpds;
    this.activationDelayMs = s.access.activationDelayMs;
    this.syncEnabled = s.sync.enabled;
    this.syncIntervalMs = s.sync.intervalMs;
    this.fullSyncCron = s.sync.fullSyncCron;
    this.syncLeaseTtlMs = s.sync.leaseTtlMs;
    this.removalGuardPercent = s.sync.removalGuardPercent;
    this.removalGuardCount = s.sync.removalGuardCount;
    this.accessMaxStalenessMs = s.access.maxStalenessMs;
    this.mappingCacheCheckIntervalMs = s.access.mappingCacheCheckIntervalMs;
    this.searchRateLimitPerMinute = s.rates.searchPerUserPerMinute;
    this.searchKeyRateLimitPerMinute = s.rates.searchPerKeyPerMinute;
    this.refreshRateLimitPerMinute = s.rates.refreshPerUserPerMinute;
    this.auditRefusalWindowMs = s.audit.refusalWindowMs;
    this.auditRetentionMs = s.audit.retentionMs;
    this.webhook = s.webhooks.target && { ...s.webhooks.target, maxAttempts: s.webhooks.maxAttempts };
  }

  /** For tests and scripts: `AppConfig.from(validateEnvironment(variables))`. */
  static from(env: EnvironmentVariables): AppConfig {
    return new AppConfig(env);
  }
}

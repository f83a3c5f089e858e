import { Type, ValueProvider } from '@nestjs/common';
import { EnvironmentVariables } from '../env.schema';
import { AccessSettings } from './access.settings';
import { ApiKeys } from './api-keys.settings';
import { AuditSettings } from './audit.settings';
import { DatabaseSettings } from './database.settings';
import { EsrSettings } from './esr.settings';
import { HttpSettings } from './http.settings';
import { LocalMode } from './local-mode.settings';
import { LoggingSettings } from './logging.settings';
import { OutboundHttpSettings } from './outbound-http.settings';
import { RateBudgets } from './rate-budgets.settings';
import { RedisSettings } from './redis.settings';
import { StatusPageSettings } from './status-page.settings';
import { SyncSettings } from './sync.settings';
import { TracingSettings } from './tracing.settings';
import { WebhookSettings } from './webhook.settings';

/** Every area's settings, parsed once from the validated environment. Each class is its own injection token. */
export interface Settings {
  readonly localMode: LocalMode;
  readonly http: HttpSettings;
  readonly logging: LoggingSettings;
  readonly database: DatabaseSettings;
  readonly redis: RedisSettings;
  readonly apiKeys: ApiKeys;
  readonly esr: EsrSettings;
  readonly sync: SyncSettings;
  readonly access: AccessSettings;
  readonly rates: RateBudgets;
  readonly audit: AuditSettings;
  readonly webhooks: WebhookSettings;
  readonly statusPage: StatusPageSettings;
  readonly outboundHttp: OutboundHttpSettings;
  readonly tracing: TracingSettings;
}

/** The one place the settings are built: from variables that validateEnvironment has checked. */
export function settingsFrom(env: EnvironmentVariables): Settings {
  return {
    localMode: new LocalMode(env),
    http: new HttpSettings(env),
    logging: new LoggingSettings(env),
    database: new DatabaseSettings(env),
    redis: new RedisSettings(env),
    apiKeys: new ApiKeys(env),
    esr: new EsrSettings(env),
    sync: new SyncSettings(env),
    access: new AccessSettings(env),
    rates: new RateBudgets(env),
    audit: new AuditSettings(env),
    webhooks: new WebhookSettings(env),
    statusPage: new StatusPageSettings(env),
    outboundHttp: new OutboundHttpSettings(env),
    tracing: new TracingSettings(env),
  };
}

/** One provider per settings object, its class as the token (ConfigModule exports them all). */
export function settingsProviders(settings: Settings): ValueProvider[] {
  return Object.values(settings).map((value: object) => ({ provide: value.constructor as Type, useValue: value }));
}

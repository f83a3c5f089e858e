/**
 * A small Nest application context for role sync tests: config, clock, metrics, the stores (Redis
 * when a key prefix is given, else in-process), the ESR client pointed at a sandbox, and the sync
 * module, with an in-memory audit in place of the database one.
 */
import { INestApplicationContext, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuditModule } from '../../src/audit/audit.module';
import { AuditService, NewAuditEvent } from '../../src/audit/audit.service';
import { Clock, FakeClock } from '../../src/common/clock/clock';
import { CommonModule } from '../../src/common/common.module';
import { ConfigModule } from '../../src/config/config.module';
import { AccessSettings } from '../../src/config/settings/access.settings';
import { EsrModule } from '../../src/esr/esr.module';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { MetricsService } from '../../src/metrics/metrics.service';
import { LeaseStore } from '../../src/role-store/lease-store';
import { RedisConnection } from '../../src/role-store/redis-connection';
import { RoleGenerations } from '../../src/role-store/role-generations';
import { RoleReads } from '../../src/role-store/role-reads';
import { startSandbox } from '../../src/sandbox/sandbox.server';
import { SyncModule } from '../../src/sync/sync.module';
import { SyncParts, syncParts } from './sync-parts';
import { TEST_SECRETS_ENV } from '../support/test-secrets';

export type RunningSandbox = Awaited<ReturnType<typeof startSandbox>>;

/** Audit events kept in memory (the real AuditService needs the database). */
export class RecordingAudit {
  readonly events: NewAuditEvent[] = [];

  async record(event: NewAuditEvent): Promise<void> {
    this.events.push(structuredClone(event));
  }
}

export interface SyncHarness {
  app: INestApplicationContext;
  sync: SyncParts;
  /** The role data, as the sync wrote it. */
  store: RoleReads;
  generations: RoleGenerations;
  /** The stores' Redis connection (null in-process). */
  redis: RedisConnection | null;
  leases: LeaseStore;
  /** The access settings (activation delay) the sync's role windows use. */
  access: AccessSettings;
  clock: FakeClock;
  audit: RecordingAudit;
  metrics: MetricsService;
  close(): Promise<void>;
}

export interface SyncHarnessOptions {
  esrBaseUrl: string;
  clock: FakeClock;
  /** Redis URL and key prefix; omitted: the in-process cache. */
  redis?: { url: string; prefix: string };
  env?: Record<string, string | undefined>;
}

/** Fast-failing ESR client settings for tests (no retry waits, no breaker in the way). */
export const TEST_ESR_ENV = {
  ESR_MAX_ATTEMPTS: '1',
  ESR_RETRY_BASE_DELAY: 'PT0.01S',
  ESR_BREAKER_THRESHOLD: '100',
  ESR_REQUEST_TIMEOUT: 'PT10S',
  ESR_RATE_LIMIT_PER_SECOND: '20',
};

export async function startSyncHarness(options: SyncHarnessOptions): Promise<SyncHarness> {
  const audit = new RecordingAudit();

  @Module({ providers: [{ provide: AuditService, useValue: audit }], exports: [AuditService] })
  class RecordingAuditModule {}

  const env = {
    ESR_BASE_URL: options.esrBaseUrl,
    ...TEST_SECRETS_ENV,
    SYNC_ENABLED: 'false',
    LOG_LEVEL: 'silent',
    ...TEST_ESR_ENV,
    ...(options.redis ? { REDIS_URL: options.redis.url, REDIS_KEY_PREFIX: options.redis.prefix } : {}),
    ...options.env,
  };
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(env), EsrModule.forRoot(), CommonModule, MetricsModule, SyncModule],
  })
    .overrideModule(AuditModule)
    .useModule(RecordingAuditModule)
    .overrideProvider(Clock)
    .useValue(options.clock)
    .compile();
  moduleRef.useLogger(false);
  const app = await moduleRef.init();
  return {
    app,
    sync: syncParts(app),
    store: app.get(RoleReads),
    generations: app.get(RoleGenerations),
    redis: app.get<RedisConnection | null>(RedisConnection),
    leases: app.get(LeaseStore),
    access: app.get(AccessSettings),
    clock: options.clock,
    audit,
    metrics: app.get(MetricsService),
    close: () => app.close(),
  };
}

/** A sandbox on an ephemeral port whose clock is the test's FakeClock. */
export function startTestSandbox(clock: FakeClock, options: Parameters<typeof startSandbox>[0] = {}): Promise<RunningSandbox> {
  return startSandbox({ port: 0, rateLimitPerSecond: 0, ...options, now: () => clock.now() });
}

/** Polls `check` until it is true (or fails after `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

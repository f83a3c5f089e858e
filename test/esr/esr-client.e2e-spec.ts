import { DynamicModule, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { Clock, FakeClock } from '../../src/common/clock/clock';
import { AppConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { validateEnvironment } from '../../src/config/env.schema';
import { openEsrEndpoint } from '../../src/esr-endpoint.bootstrap';
import { EsrClient } from '../../src/esr/esr.client';
import { EsrEndpoint } from '../../src/esr/esr.endpoint';
import { EsrNotFoundError, EsrTimeoutError, EsrUnavailableError, EsrWatermarkExpiredError } from '../../src/esr/esr.errors';
import { EsrModule } from '../../src/esr/esr.module';
import type { EsrPage } from '../../src/esr/esr.types';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { MetricsService } from '../../src/metrics/metrics.service';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { TEST_SECRETS_ENV } from '../support/test-secrets';

@Module({})
class TestClockModule {}

function clockModule(clock: Clock): DynamicModule {
  return { module: TestClockModule, global: true, providers: [{ provide: Clock, useValue: clock }], exports: [Clock] };
}

interface Connected {
  client: EsrClient;
  endpoint: EsrEndpoint;
  metrics: MetricsService;
  moduleRef: TestingModule;
}

/** The gateway's ESR module as bootstrap wires it, with the given environment and clock. */
async function connect(env: Record<string, string>, clock: Clock): Promise<Connected> {
  const config = AppConfig.from(validateEnvironment(env.ESR_BASE_URL ? { ...TEST_SECRETS_ENV, ...env } : env));
  const endpoint = await openEsrEndpoint(config.settings, () => clock.now());
  const moduleRef = await Test.createTestingModule({
    imports: [clockModule(clock), ConfigModule.forRoot(config), EsrModule.forRoot(endpoint), MetricsModule, EsrModule],
  }).compile();
  await moduleRef.init();
  return { client: moduleRef.get(EsrClient), endpoint: moduleRef.get(EsrEndpoint), metrics: moduleRef.get(MetricsService), moduleRef };
}

const FAST = { ESR_RETRY_BASE_DELAY: 'PT0.01S', ESR_RETRY_MAX_DELAY: 'PT0.05S', ESR_RETRY_AFTER_CAP: 'PT3S' };

async function metricValue(metrics: MetricsService, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

async function collect<T>(pages: AsyncIterable<EsrPage<T>>): Promise<EsrPage<T>[]> {
  const out: EsrPage<T>[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ukToday = (clock: Clock) => clock.now().toLocaleDateString('en-CA', { timeZone: 'Europe/London' });

describe(EsrClient.name, () => {
  describe('against the ESR sandbox', () => {
    let clock: FakeClock;
    let sandbox: RunningSandbox;
    let esr: Connected;

    beforeAll(async () => {
      clock = new FakeClock();
      sandbox = await startSandbox({ port: 0, now: () => clock.now(), vpdCount: 3, roleAssignments: 60 });
      esr = await connect({ ESR_BASE_URL: sandbox.url, ...FAST }, clock);
    });
    afterAll(async () => {
      await esr.moduleRef.close();
      await sandbox.close();
    });
    afterEach(() => sandbox.admin.clearFaults());

    it('should talk to the configured ESR', () => {
      expect(esr.endpoint).toMatchObject({ kind: 'configured', baseUrl: sandbox.url });
      expect(esr.client.baseUrl).toBe(sandbox.url);
    });

    it('should list the VPDs ESR serves', async () => {
      const vpds = await esr.client.listVpds();

      expect(vpds).toHaveLength(3);
      expect(vpds).toContainEqual(expect.objectContaining({ vpd: '979', active: true }));
      expect(vpds).toEqual(sandbox.admin.vpds());
    });

    it("should page through a VPD's full listing with one watermark and every assignment valid", async () => {
      const pages = await collect(esr.client.listRoleAssignments('979', { pageSize: 7 }));
      const items = pages.flatMap((p) => p.items);

      expect(pages.length).toBeGreaterThan(1);
      expect(items).toHaveLength(sandbox.admin.countRoleAssignments('979'));
      expect(new Set(items.map((a) => a.assignmentId)).size).toBe(items.length);
      expect(new Set(pages.map((p) => p.watermark)).size).toBe(1);
      expect(pages.every((p) => p.skipped === 0 && p.extractDate !== null)).toBe(true);
      expect(items.every((a) => a.vpd === '979' && a.roleName === 'Digital Passport Administrator')).toBe(true);
      expect(items).toContainEqual(expect.objectContaining({ employeeNumber: '30581377', personActive: true }));
    });

    it("should list one person's assignments", async () => {
      const pages = await collect(esr.client.listRoleAssignments('979', { employeeNumber: '30581377' }));

      expect(pages.flatMap((p) => p.items).map((a) => a.employeeNumber)).toEqual(expect.arrayContaining(['30581377']));
      expect(pages.flatMap((p) => p.items).every((a) => a.employeeNumber === '30581377')).toBe(true);
    });

    it('should list the changes made since a watermark: a new role, an end-dated one and a deleted one', async () => {
      const listing = await collect(esr.client.listRoleAssignments('979'));
      const since = listing[0].watermark;
      const newcomer = sandbox.admin.findPersonWithoutRole('979');
      const assigned = sandbox.admin.assignRole('979', newcomer.employeeNumber);
      const ending = sandbox.admin.findRoleHolder('979', 2);
      sandbox.admin.endDateRole(ending.assignmentId, ukToday(clock));
      const deleted = sandbox.admin.findRoleHolder('979', 3);
      sandbox.admin.deleteRole(deleted.assignmentId);

      const pages = await collect(esr.client.listRoleChanges('979', since, { pageSize: 2 }));
      const changes = pages.flatMap((p) => p.items);

      expect(changes).toEqual([
        expect.objectContaining({
          op: 'upsert',
          assignmentId: assigned.assignmentId,
          assignment: expect.objectContaining({ employeeNumber: newcomer.employeeNumber }),
        }),
        expect.objectContaining({
          op: 'upsert',
          assignmentId: ending.assignmentId,
          assignment: expect.objectContaining({ effectiveEndDate: ukToday(clock) }),
        }),
        expect.objectContaining({ op: 'delete', assignmentId: deleted.assignmentId }),
      ]);
      expect(pages.every((p) => p.skipped === 0)).toBe(true);
      expect(new Set(pages.map((p) => p.watermark)).size).toBe(1);
      await expect(collect(esr.client.listRoleChanges('979', pages[0].watermark))).resolves.toEqual([
        expect.objectContaining({ items: [] }),
      ]);
    });

    it('should fail with EsrWatermarkExpiredError for a watermark ESR does not know', async () => {
      await expect(collect(esr.client.listRoleChanges('979', 'not-a-watermark'))).rejects.toBeInstanceOf(EsrWatermarkExpiredError);
    });

    it('should search people by employee number and by assignment number', async () => {
      const [byEmployee] = await esr.client.searchPeople('979', { employeeNumber: '30581377' });
      expect(byEmployee).toMatchObject({ employeeNumber: '30581377', vpd: '979' });
      expect(byEmployee.primaryAssignmentNumber).toMatch(/^30581377(-\d{1,2})?$/);

      const byAssignment = await esr.client.searchPeople('979', { assignmentNumber: byEmployee.primaryAssignmentNumber as string });
      expect(byAssignment).toEqual([byEmployee]);
    });

    it("should read a person's full record exactly as ESR holds it", async () => {
      const person = await esr.client.getPerson('979', '30581377');

      // ESR 1.1.0's optional check details are always present in the client's type (null where ESR left them out).
      const record = sandbox.admin.getPerson('979', '30581377') as NonNullable<ReturnType<typeof sandbox.admin.getPerson>>;
      const details = { level: null, barredLists: null, updateService: null, documentType: null, restrictions: null, followUpDate: null };
      expect(person).toEqual({
        ...record,
        extractDate: expect.any(String),
        employmentChecks: record.employmentChecks.map((check) => ({ ...details, ...check })),
      });
      expect(Date.parse(person.extractDate as string)).toBe(clock.nowMs());
      expect(person.employmentChecks.find((c) => c.type === 'DBS')?.level).not.toBeNull();
      expect(person.assignments.length).toBeGreaterThan(0);
    });

    it('should fail with EsrNotFoundError for a person ESR does not have', async () => {
      await expect(esr.client.getPerson('979', '00000001')).rejects.toBeInstanceOf(EsrNotFoundError);
    });

    it('should get a fresh token and carry on when ESR revokes its tokens', async () => {
      await esr.client.listVpds();
      const fetched = await metricValue(esr.metrics, 'esr_gateway_esr_token_fetches_total', { result: 'success' });
      sandbox.admin.expireTokens();

      await expect(esr.client.listVpds()).resolves.toHaveLength(3);

      await expect(metricValue(esr.metrics, 'esr_gateway_esr_token_fetches_total', { result: 'success' })).resolves.toBe(fetched + 1);
    });

    it('should renew its token shortly before it expires, without a 401', async () => {
      await esr.client.listVpds();
      const fetched = await metricValue(esr.metrics, 'esr_gateway_esr_token_fetches_total', { result: 'success' });
      const unauthorised = await metricValue(esr.metrics, 'esr_gateway_esr_requests_total', { status: '401' });

      clock.advance(280_000);
      await esr.client.listVpds();

      await expect(metricValue(esr.metrics, 'esr_gateway_esr_token_fetches_total', { result: 'success' })).resolves.toBe(fetched + 1);
      await expect(metricValue(esr.metrics, 'esr_gateway_esr_requests_total', { status: '401' })).resolves.toBe(unauthorised);
    });

    it('should skip the malformed items ESR sends and return the rest', async () => {
      sandbox.admin.setFaults({ malformedItems: true });

      const pages = await collect(esr.client.listRoleAssignments('979', { pageSize: 20 }));

      const skipped = pages.reduce((sum, p) => sum + p.skipped, 0);
      expect(skipped).toBeGreaterThan(0);
      expect(pages.flatMap((p) => p.items).every((a) => /^\d{8}$/.test(a.employeeNumber))).toBe(true);
      await expect(metricValue(esr.metrics, 'esr_gateway_esr_skipped_items_total')).resolves.toBeGreaterThanOrEqual(skipped);
    });

    it('should wait out a maintenance window that ESR announces with Retry-After', async () => {
      sandbox.admin.setFaults({ maintenance: { retryAfterSeconds: 1 } });
      setTimeout(() => sandbox.admin.clearFaults(), 500);
      const started = Date.now();

      await expect(esr.client.listVpds()).resolves.toHaveLength(3);

      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it("should stay under ESR's rate limit when called faster than it allows", async () => {
      const throttledBefore = await metricValue(esr.metrics, 'esr_gateway_esr_requests_total', { status: '429' });
      const started = Date.now();

      await Promise.all(Array.from({ length: 40 }, () => esr.client.getPerson('979', '30581377')));

      expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // 40 calls at 15 per second
      await expect(metricValue(esr.metrics, 'esr_gateway_esr_requests_total', { status: '429' })).resolves.toBe(throttledBefore);
    }, 15_000);

    it('should report throttling that outlasts its attempts as ESR_UNAVAILABLE with Retry-After', async () => {
      sandbox.admin.setFaults({ throttle: { retryAfterSeconds: 1 } });
      const impatient = await connect({ ESR_BASE_URL: sandbox.url, ...FAST, ESR_MAX_ATTEMPTS: '1' }, clock);
      try {
        const error = await impatient.client.listVpds().catch((e: unknown) => e);

        expect(error).toBeInstanceOf(EsrUnavailableError);
        expect((error as EsrUnavailableError).retryAfterSeconds).toBe(1);
      } finally {
        await impatient.moduleRef.close();
      }
    });

    it('should cut off an ESR that hangs with EsrTimeoutError', async () => {
      const hurried = await connect({ ESR_BASE_URL: sandbox.url, ...FAST, ESR_REQUEST_TIMEOUT: 'PT0.3S', ESR_MAX_ATTEMPTS: '2' }, clock);
      try {
        await hurried.client.listVpds();
        sandbox.admin.setFaults({ hang: true });
        const started = Date.now();

        await expect(hurried.client.listVpds()).rejects.toBeInstanceOf(EsrTimeoutError);

        expect(Date.now() - started).toBeLessThan(2000);
        await expect(metricValue(hurried.metrics, 'esr_gateway_esr_retries_total', { reason: 'timeout' })).resolves.toBe(1);
      } finally {
        await hurried.moduleRef.close();
      }
    });

    it('should open the breaker when ESR keeps failing, fail fast, and close it again after a good probe', async () => {
      const fragile = await connect(
        { ESR_BASE_URL: sandbox.url, ...FAST, ESR_MAX_ATTEMPTS: '1', ESR_BREAKER_THRESHOLD: '3', ESR_BREAKER_HALF_OPEN_AFTER: 'PT0.5S' },
        clock,
      );
      try {
        sandbox.admin.setFaults({ errorRate: 1 });
        for (let i = 0; i < 3; i++) await expect(fragile.client.listVpds()).rejects.toBeInstanceOf(EsrUnavailableError);
        expect(fragile.client.breakerState()).toBe('open');
        const sent = await metricValue(fragile.metrics, 'esr_gateway_esr_requests_total', { endpoint: 'GET /esr/v1/vpds' });

        sandbox.admin.clearFaults();
        await expect(fragile.client.listVpds()).rejects.toBeInstanceOf(EsrUnavailableError);
        await expect(metricValue(fragile.metrics, 'esr_gateway_esr_requests_total', { endpoint: 'GET /esr/v1/vpds' })).resolves.toBe(sent);

        await sleep(600);
        await expect(fragile.client.listVpds()).resolves.toHaveLength(3);
        expect(fragile.client.breakerState()).toBe('closed');
      } finally {
        await fragile.moduleRef.close();
      }
    });
  });

  describe('when ESR keeps a watermark only 7 days', () => {
    it('should fail with EsrWatermarkExpiredError for an older watermark, after renewing its token', async () => {
      const clock = new FakeClock();
      const sandbox = await startSandbox({ port: 0, now: () => clock.now() });
      const esr = await connect({ ESR_BASE_URL: sandbox.url, ...FAST }, clock);
      try {
        const [first] = await collect(esr.client.listRoleAssignments('979'));
        await expect(collect(esr.client.listRoleChanges('979', first.watermark))).resolves.toHaveLength(1);

        clock.advance(8 * 24 * 3_600_000);

        await expect(collect(esr.client.listRoleChanges('979', first.watermark))).rejects.toBeInstanceOf(EsrWatermarkExpiredError);
        await expect(metricValue(esr.metrics, 'esr_gateway_esr_token_fetches_total', { result: 'success' })).resolves.toBe(2);
      } finally {
        await esr.moduleRef.close();
        await sandbox.close();
      }
    });
  });

  describe('with no ESR_BASE_URL', () => {
    it('should start the built-in sandbox with the configured data, use it, and stop it on shutdown', async () => {
      const esr = await connect({ SANDBOX_VPD_COUNT: '2', SANDBOX_ROLE_ASSIGNMENTS: '20', SANDBOX_SEED: '7' }, new Clock());
      const url = esr.endpoint.baseUrl;

      expect(esr.endpoint.kind).toBe('sandbox');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(esr.client.baseUrl).toBe(url);
      await expect(esr.client.listVpds()).resolves.toHaveLength(2);
      await expect(esr.client.getPerson('979', '30581377')).resolves.toMatchObject({ employeeNumber: '30581377' });

      await esr.moduleRef.close();

      await expect(fetch(`${url}/esr/v1/vpds`)).rejects.toThrow();
    });
  });
});

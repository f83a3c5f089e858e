import { Test, TestingModule } from '@nestjs/testing';
import { Clock, FakeClock } from '../../src/common/clock/clock';
import { ConfigModule } from '../../src/config/config.module';
import { EsrClient } from '../../src/esr/esr.client';
import { EsrModule } from '../../src/esr/esr.module';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { MetricsService } from '../../src/metrics/metrics.service';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { DuplicatingProxy } from '../searches/duplicating-proxy';
import { createTestRedisPrefix, REDIS_URL } from '../support/test-env';
import { TEST_SECRETS_ENV } from '../support/test-secrets';
import { metricValue } from './esr.fixtures';

/** ESR's limit, and every gateway's ESR_RATE_LIMIT_PER_SECOND: the whole budget, shared. */
const LIMIT = 20;
const GATEWAYS = 3;
const BUSY_MS = 20_000;
/**
 * Each gateway has a person searching, pausing this long between searches: together they ask for
 * more than the limit even when a loaded machine slows each answer (at 100 ms they asked for less
 * on a busy CI run, and the window was not full for want of demand, not of budget). The sync may fill only 80% of the window (the default 20% reserve), so
 * the window is full only while people's calls use the reserve; the listings take what they leave.
 */
const SEARCH_PAUSE_MS = 25;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The most requests that arrived within any one second (sliding), given arrival times in ms. */
function mostInAnySecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let from = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[from] >= 1000) from++;
    most = Math.max(most, i - from + 1);
  }
  return most;
}

interface Gateway {
  moduleRef: TestingModule;
  client: EsrClient;
  metrics: MetricsService;
}

/** One gateway: its own ESR client, scheduler and metrics, the budget in the shared Redis. */
async function startGateway(clock: FakeClock, esrUrl: string, redisPrefix: string): Promise<Gateway> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      { module: class ClockModule {}, global: true, providers: [{ provide: Clock, useValue: clock }], exports: [Clock] },
      ConfigModule.forRoot({
        ...TEST_SECRETS_ENV,
        ESR_BASE_URL: esrUrl,
        REDIS_URL,
        REDIS_KEY_PREFIX: redisPrefix,
        ESR_RATE_LIMIT_PER_SECOND: String(LIMIT),
        ESR_MAX_ATTEMPTS: '1',
        ESR_MAX_CONCURRENCY: '8',
        ESR_INTERACTIVE_DEADLINE: 'PT30S',
        LOG_LEVEL: 'silent',
      }),
      EsrModule.forRoot(),
      MetricsModule,
      EsrModule,
    ],
  }).compile();
  await moduleRef.init();
  return { moduleRef, client: moduleRef.get(EsrClient), metrics: moduleRef.get(MetricsService) };
}

/**
 * Issue 19 point 4: three gateways on one Redis, each set to ESR's whole limit, run full listings
 * (sync lane) and searches (interactive lane) together against the sandbox, which answers 429 to the
 * 21st request of any sliding second (one attempt per call: a 429 would fail it). A proxy in front
 * of the sandbox records when each request arrived.
 */
describe('Three gateways sharing one ESR budget in Redis', () => {
  const redis = createTestRedisPrefix();
  let sandbox: RunningSandbox;
  let proxy: DuplicatingProxy;
  const gateways: Gateway[] = [];

  beforeAll(async () => {
    const clock = new FakeClock();
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), vpdCount: 3, roleAssignments: 400, rateLimitPerSecond: LIMIT });
    proxy = await new DuplicatingProxy(sandbox).start();
    for (let i = 0; i < GATEWAYS; i++) gateways.push(await startGateway(clock, proxy.url, redis.prefix));
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.moduleRef.close();
    await proxy?.close();
    await sandbox?.close();
    await redis.cleanup();
  });

  it('should never exceed ESR’s limit in any sliding second, and use at least 90% of it together', async () => {
    const vpds = sandbox.admin.vpds().map((v) => v.vpd);
    const holders = vpds.map((vpd) => sandbox.admin.findRoleHolder(vpd, 0).employeeNumber);
    const busyUntil = performance.now() + BUSY_MS;
    const failures: unknown[] = [];
    let pages = 0;
    let searches = 0;

    const fullSyncs = async (client: EsrClient, offset: number) => {
      for (let n = offset; performance.now() < busyUntil; n++) {
        const vpd = vpds[n % vpds.length];
        for await (const page of client.listRoleAssignments(vpd, { pageSize: 10 })) {
          pages += page.items.length > 0 ? 1 : 0;
          if (performance.now() >= busyUntil) break;
        }
      }
    };
    const searching = async (client: EsrClient, offset: number) => {
      for (let n = offset; performance.now() < busyUntil; n++) {
        const i = n % vpds.length;
        await (n % 2 === 0 ? client.getPerson(vpds[i], holders[i]) : client.searchPeople(vpds[i], { employeeNumber: holders[i] }));
        searches++;
        await sleep(SEARCH_PAUSE_MS);
      }
    };

    const from = proxy.esrRequests.length;
    const started = performance.now();
    await Promise.all(
      gateways.flatMap(({ client }, g) =>
        // Two VPDs listed at once per gateway (as a full sync of several VPDs does), and one person searching.
        [fullSyncs(client, g), fullSyncs(client, g + 1), searching(client, g)].map((work) => work.catch((error) => failures.push(error))),
      ),
    );
    const busySeconds = (busyUntil - started) / 1000;

    const arrivals = proxy.esrRequests.slice(from).map((r) => r.at);
    const inBusyPeriod = arrivals.filter((at) => at < busyUntil).length;
    const most = mostInAnySecond(arrivals);
    const utilisation = inBusyPeriod / (busySeconds * LIMIT);
    const throttled = await Promise.all(gateways.map((g) => metricValue(g.metrics, 'esr_gateway_esr_requests_total', { status: '429' })));
    const perGateway = await Promise.all(gateways.map((g) => metricValue(g.metrics, 'esr_gateway_esr_requests_total')));
    // The figures docs/performance.md reports.
    process.stdout.write(
      `shared ESR budget: ${arrivals.length} requests, ${inBusyPeriod} in ${busySeconds.toFixed(1)} s, ` +
        `max ${most} in any sliding second, utilisation ${(utilisation * 100).toFixed(1)}%, per gateway ${perGateway.join('/')}, ` +
        `${pages} listing pages, ${searches} searches\n`,
    );

    expect(failures).toEqual([]);
    expect(throttled).toEqual([0, 0, 0]);
    expect(most).toBeLessThanOrEqual(LIMIT);
    expect(utilisation).toBeGreaterThanOrEqual(0.9);
    // Both lanes got through: the searches first, the listings with what they left.
    expect(searches).toBeGreaterThan((BUSY_MS / 1000) * LIMIT * 0.5);
    expect(pages).toBeGreaterThanOrEqual(15);
    for (const sent of perGateway) expect(sent).toBeGreaterThan(0);
  }, 90_000);
});

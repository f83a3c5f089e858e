import { Test, TestingModule } from '@nestjs/testing';
import { Clock, FakeClock } from '../../src/common/clock/clock';
import { ConfigModule } from '../../src/config/config.module';
import { EsrClient } from '../../src/esr/esr.client';
import { EsrModule } from '../../src/esr/esr.module';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { MetricsService } from '../../src/metrics/metrics.service';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { DuplicatingProxy } from '../searches/duplicating-proxy';
import { TEST_SECRETS_ENV } from '../support/test-secrets';
import { metricValue } from './esr.fixtures';

const LIMIT = 6;
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

/**
 * ESR's limit against the sandbox, which answers 429 to the (LIMIT+1)th request of any sliding
 * second: the gateway is set to exactly ESR's limit, makes one attempt per call (a 429 would fail
 * the call), and is hit with bursts of both lanes at window boundaries.
 */
describe(`${EsrClient.name} and ESR's rate limit`, () => {
  let sandbox: RunningSandbox;
  let proxy: DuplicatingProxy;
  let moduleRef: TestingModule;
  let client: EsrClient;
  let metrics: MetricsService;

  beforeAll(async () => {
    const clock = new FakeClock();
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), vpdCount: 1, roleAssignments: 100, rateLimitPerSecond: LIMIT });
    proxy = await new DuplicatingProxy(sandbox).start();
    moduleRef = await Test.createTestingModule({
      imports: [
        { module: class ClockModule {}, global: true, providers: [{ provide: Clock, useValue: clock }], exports: [Clock] },
        ConfigModule.forRoot({
          ...TEST_SECRETS_ENV,
          ESR_BASE_URL: proxy.url,
          ESR_RATE_LIMIT_PER_SECOND: String(LIMIT),
          ESR_MAX_ATTEMPTS: '1',
          ESR_INTERACTIVE_DEADLINE: 'PT30S',
          ESR_MAX_CONCURRENCY: '16',
          LOG_LEVEL: 'silent',
        }),
        EsrModule.forRoot(),
        MetricsModule,
        EsrModule,
      ],
    }).compile();
    await moduleRef.init();
    client = moduleRef.get(EsrClient);
    metrics = moduleRef.get(MetricsService);
    await client.listVpds(); // token in hand
  });

  afterAll(async () => {
    await moduleRef?.close();
    await proxy?.close();
    await sandbox?.close();
  });

  it('should never exceed ESR’s limit in any sliding second, whatever the bursts, and let calls go at once while there is room', async () => {
    await sleep(1100);
    const from = proxy.esrRequests.length;
    const employeeNumber = sandbox.admin.findRoleHolder('979', 0).employeeNumber;
    const burst = (size: number) =>
      Promise.all(Array.from({ length: size }, (_, i) => (i % 3 === 0 ? client.listVpds() : client.getPerson('979', employeeNumber))));

    const started = performance.now();
    await burst(LIMIT);
    const firstArrivals = proxy.esrRequests.slice(from).map((r) => r.at - started);
    // No pacing: the whole first burst reached ESR at once (evenly paced, it would span 5/6 of a second).
    expect(firstArrivals).toHaveLength(LIMIT);
    expect(Math.max(...firstArrivals)).toBeLessThan(400);

    // Bursts timed to land on window boundaries, two lanes, plus a sync listing paging throughout.
    const listing = (async () => {
      let pages = 0;
      for await (const page of client.listRoleAssignments('979', { pageSize: 10 })) pages += page.items.length > 0 ? 1 : 0;
      return pages;
    })();
    const bursts: Promise<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      bursts.push(burst(2 * LIMIT));
      await sleep(i % 2 === 0 ? 995 : 1003);
    }
    await Promise.all(bursts);
    expect(await listing).toBeGreaterThan(5);

    const arrivals = proxy.esrRequests.slice(from).map((r) => r.at);
    expect(arrivals.length).toBeGreaterThan(LIMIT * 9);
    expect(mostInAnySecond(arrivals)).toBeLessThanOrEqual(LIMIT);
    await expect(metricValue(metrics, 'esr_gateway_esr_requests_total', { status: '429' })).resolves.toBe(0);
  }, 60_000);
});

import { EsrClient } from '../../src/esr/esr.client';
import type { SandboxFaults } from '../../src/sandbox/sandbox.server';
import { HttpRecorder } from '../support/http-recorder';
import { ReliabilityRecorder, timeUntil } from '../support/reliability';
import { OPS_KEY } from '../support/test-env';
import { accessState, FaultGateway, HOME_VPD, LiveClock, mapUser, sleep, startFaultGateway, syncStatus } from './fault-harness';

const HOLDERS = 20_000;
const ESR_LIMIT_PER_SECOND = 20; // the sandbox's (ESR's) limit per client
const SYNC_INTERVAL_MS = 10_000;
const ESTABLISHED = '30581377';
const HR_USER = 'esr.faults.hr@nhs.net';

interface FaultCase {
  name: string;
  /** Applies the fault; returns a function that lifts it. */
  apply: (g: FaultGateway) => Promise<() => Promise<void>>;
  /** How long the fault lasts (ms), or 'run' for the whole sync run. */
  lasts: number | 'run';
  /** The breaker is expected to open while it lasts. */
  opensBreaker: boolean;
}

const sandboxFault =
  (faults: SandboxFaults) =>
  async (g: FaultGateway): Promise<() => Promise<void>> => {
    g.sandbox.admin.setFaults(faults);
    return async () => {
      g.sandbox.admin.clearFaults();
    };
  };

const CASES: FaultCase[] = [
  {
    name: 'ESR outage (connections refused)',
    apply: async (g) => {
      await g.esrProxy.cut('refuse');
      return () => g.esrProxy.restore();
    },
    lasts: 3000,
    opensBreaker: true,
  },
  {
    name: 'ESR 503 storm with Retry-After',
    apply: sandboxFault({ maintenance: { retryAfterSeconds: 1 } }),
    lasts: 3000,
    opensBreaker: true,
  },
  { name: 'ESR 429 storm with Retry-After', apply: sandboxFault({ throttle: { retryAfterSeconds: 1 } }), lasts: 3000, opensBreaker: false },
  { name: 'ESR hangs', apply: sandboxFault({ hang: true }), lasts: 4000, opensBreaker: true },
  { name: 'ESR answers 10% random 5xx', apply: sandboxFault({ errorRate: 0.1 }), lasts: 'run', opensBreaker: false },
  { name: 'ESR sends malformed pages', apply: sandboxFault({ malformedItems: true }), lasts: 'run', opensBreaker: false },
  {
    name: 'ESR revokes every token',
    apply: async (g) => {
      g.sandbox.admin.setFaults({ expireTokens: true });
      return async () => undefined;
    },
    lasts: 0,
    opensBreaker: false,
  },
];

describe('Fault: ESR failing during a full sync of 20,000 holders and during searches', () => {
  const recorder = new ReliabilityRecorder('esr', 'ESR failures during a 20,000-holder full sync and searches');
  let g: FaultGateway;
  let esrCalls: HttpRecorder;
  let baselineHolders = 0;

  const status = () => syncStatus(g.client);
  const breaker = () => g.t.app.get(EsrClient).breakerState();
  const search = () =>
    g.client.post('/v1/credential-searches', { vpd: HOME_VPD, employeeNumber: ESTABLISHED }, undefined, { 'x-acting-user': HR_USER });

  beforeAll(async () => {
    g = await startFaultGateway({
      clock: new LiveClock(),
      sandbox: { vpdCount: 1, roleAssignments: HOLDERS, rateLimitPerSecond: ESR_LIMIT_PER_SECOND },
      esrVia: async (url) => {
        esrCalls = await new HttpRecorder(url).start();
        return esrCalls.url;
      },
      env: {
        SYNC_ENABLED: 'true',
        SYNC_INTERVAL: `PT${SYNC_INTERVAL_MS / 1000}S`,
        FULL_SYNC_CRON: '0 0 1 1 *',
        ESR_PAGE_SIZE: '1000',
        ESR_MAX_ATTEMPTS: '4',
        ESR_RETRY_BASE_DELAY: 'PT0.1S',
        ESR_RETRY_MAX_DELAY: 'PT1S',
        ESR_RETRY_AFTER_CAP: 'PT2S',
        ESR_REQUEST_TIMEOUT: 'PT1S',
        ESR_BREAKER_THRESHOLD: '3',
        ESR_BREAKER_HALF_OPEN_AFTER: 'PT1S',
        ESR_RATE_LIMIT_PER_SECOND: '15',
        SEARCH_RATE_LIMIT_PER_MINUTE: '10000',
      },
    });
    await timeUntil(async () => ((await status())?.holders ?? 0) >= HOLDERS, 120_000, 250);
    baselineHolders = (await status())?.holders ?? 0;
    recorder.measure('holders in the last good data', baselineHolders, 'count');
    await mapUser(g.client, HR_USER, ESTABLISHED);
    expect(await accessState(g.client, HR_USER)).toBe('ACTIVE');
  }, 180_000);

  afterAll(async () => {
    if (esrCalls) {
      const api = (c: { path: string }) => c.path.startsWith('/esr/v1');
      recorder.measure('peak ESR API requests in any second', esrCalls.peakPerWindow(api), 'count');
      recorder.add('esrRequests', esrCalls.calls.length);
    }
    recorder.addClient(g?.client);
    recorder.finish();
    await g?.close();
    await esrCalls?.close();
  }, 30_000);

  afterEach(() => {
    expect(g.client.problems).toEqual([]);
    // ESR's own rate limit was never exceeded: no 429 from the sandbox's limiter (the throttle fault says "too many requests").
    expect(esrCalls.calls.filter((c) => c.status === 429 && c.message?.startsWith('more than'))).toEqual([]);
    expect(esrCalls.peakPerWindow((c) => c.path.startsWith('/esr/v1'))).toBeLessThanOrEqual(ESR_LIMIT_PER_SECOND);
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    'should keep every holder, stay truthful and recover by itself: %s',
    async (name, fault) => {
      const survived = recorder.fault(
        `${name} (during a full sync and searches)`,
        'no holder lost; searches 200/503/504 only; the sync recovers by itself; ESR limit kept',
      );
      const started = await g.client.post('/v1/sync/runs', { mode: 'full' }, OPS_KEY);
      expect(started.status).toBe(202);
      const { runId } = started.body as { runId: string };
      const run = async () =>
        (await g.client.get(`/v1/sync/runs/${runId}`, OPS_KEY)).body as { state: string; progress: { processed: number } };
      // Let the listing get going, then inject the fault mid-run.
      await timeUntil(async () => (await run()).state !== 'queued' && (await run()).progress.processed >= 2000, 60_000, 100);
      const lift = await fault.apply(g);
      const faultAt = performance.now();
      const searchStatuses = new Set<number>();
      let breakerOpened = false;
      let searches = 0;
      const during = async (untilMs: number) => {
        while (performance.now() < untilMs) {
          const res = await search();
          searchStatuses.add(res.status);
          searches++;
          if (res.status === 503) expect(res.headers['retry-after']).toBeDefined();
          if (breaker() === 'open') breakerOpened = true;
          expect(await accessState(g.client, HR_USER)).toBe('ACTIVE');
          expect((await status())?.holders).toBeGreaterThanOrEqual(baselineHolders);
          await sleep(150);
        }
      };
      if (fault.lasts === 'run') {
        while (['queued', 'running'].includes((await run()).state)) await during(performance.now() + 500);
      } else {
        await during(faultAt + fault.lasts);
      }
      await lift();
      const liftedAt = performance.now();
      if (fault.opensBreaker) expect(breakerOpened).toBe(true);
      for (const s of searchStatuses) expect([200, 503, 504]).toContain(s);
      recorder.add('searchesDuringEsrFaults', searches);
      if (breakerOpened) recorder.add('breakerOpenedAndClosed');

      // Recovers by itself: the run ends, the breaker closes and a later scheduled run succeeds, nobody acting.
      await timeUntil(async () => !['queued', 'running'].includes((await run()).state), 120_000, 200);
      const endState = (await run()).state;
      const recoveredMs = await timeUntil(
        async () => {
          const s = await status();
          return breaker() === 'closed' && s?.consecutiveFailures === 0 && s.state === 'IDLE' && (await search()).status === 200;
        },
        SYNC_INTERVAL_MS * 3 + 20_000,
        250,
      );
      recorder.measure(`${name}: recovered (breaker closed, sync and searches succeed) after lifting`, recoveredMs);
      recorder.measure(`${name}: fault lasted`, liftedAt - faultAt);
      const after = await status();
      expect(after?.holders).toBe(baselineHolders);
      recorder.add('holdersLost', Math.max(0, baselineHolders - (after?.holders ?? 0)));
      recorder.add(endState === 'succeeded' ? 'syncRunsThatSucceededThroughTheFault' : 'syncRunsFailedThenRecoveredBySchedule');
      survived();
    },
    240_000,
  );
});

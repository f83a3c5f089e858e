import { ReliabilityRecorder, timeUntil } from '../support/reliability';
import { accessStates, deletePrefix, FaultGateway, mapUser, sleep, startFaultGateway, syncStatus } from './fault-harness';

const SYNC_INTERVAL_MS = 10_000; // the smallest SYNC_INTERVAL the gateway accepts
const ESTABLISHED = '30581377'; // sandbox fixture: holds the role for 400 days, active
const WITHOUT_ROLE = '83445158'; // sandbox fixture: active, no role
const ACTIVE_USER = 'faults.active@nhs.net';
const NO_ROLE_USER = 'faults.norole@nhs.net';

describe('Fault: Redis away or back empty', () => {
  const recorder = new ReliabilityRecorder('redis', 'Redis away, hung, and back empty');
  let g: FaultGateway;

  const ready = async () => (await g.client.request({ method: 'GET', url: '/health/ready' })).status;
  const states = () => accessStates(g.client, [ACTIVE_USER, NO_ROLE_USER]);

  beforeAll(async () => {
    g = await startFaultGateway({ env: { SYNC_ENABLED: 'true', SYNC_INTERVAL: `PT${SYNC_INTERVAL_MS / 1000}S`, SYNC_LEASE_TTL: 'PT3S' } });
    await timeUntil(async () => Boolean((await syncStatus(g.client))?.lastSuccessAt), 30_000, 100);
    await mapUser(g.client, ACTIVE_USER, ESTABLISHED);
    await mapUser(g.client, NO_ROLE_USER, WITHOUT_ROLE);
    expect(await states()).toEqual(['ACTIVE', 'NO_ROLE']);
  }, 60_000);

  afterAll(async () => {
    recorder.addClient(g?.client);
    recorder.finish();
    await g?.close();
  }, 30_000);

  afterEach(() => {
    expect(g.client.problems).toEqual([]);
  });

  it.each([
    ['refuse', 'Redis down (connections refused)'],
    ['blackhole', 'Redis hung (connections silent)'],
  ] as const)(
    'should answer 503 DEPENDENCY_UNAVAILABLE, never "no access", while Redis is away (%s), and recover within seconds',
    async (mode, fault) => {
      const survived = recorder.fault(fault, 'readiness 503 within seconds; access 503, never 200; correct answers after');
      await g.redisProxy.cut(mode);
      const cutAt = performance.now();
      const readyMs = await timeUntil(async () => (await ready()) === 503, 10_000, 50);
      expect(readyMs).toBeLessThan(5000);
      recorder.measure(`${fault}: readiness 503 after`, readyMs);

      const seen = new Set<string>();
      const until = performance.now() + 3000;
      let answers = 0;
      while (performance.now() < until) {
        for (const state of await states()) seen.add(state);
        answers += 2;
      }
      expect([...seen]).toEqual(['503 DEPENDENCY_UNAVAILABLE']);
      recorder.add('accessAnswersDuringRedisOutage', answers);
      const batch = await g.client.post('/v1/esr-access/batch', { portalUserIds: [ACTIVE_USER, NO_ROLE_USER] });
      expect(batch.status).toBe(503);
      expect(batch.body.error).toBe('DEPENDENCY_UNAVAILABLE');
      expect(batch.headers['retry-after']).toBeDefined();
      recorder.measure(`${fault}: outage length`, performance.now() - cutAt);

      await g.redisProxy.restore();
      const recoveryMs = await timeUntil(async () => (await ready()) === 200 && (await states()).join() === 'ACTIVE,NO_ROLE', 15_000, 50);
      expect(recoveryMs).toBeLessThan(10_000);
      recorder.measure(`${fault}: correct answers again after`, recoveryMs);
      survived();
    },
    30_000,
  );

  it('should rebuild the role data by itself within one sync interval when Redis comes back empty, answering NOT_SYNCED or 503 until then', async () => {
    const survived = recorder.fault(
      'Redis back empty (flushed or restarted)',
      'rebuilt within one sync interval without anyone acting; never a wrong NO_ROLE meanwhile',
    );
    await g.redisProxy.cut('refuse');
    const deleted = await deletePrefix(g.t.redisPrefix);
    expect(deleted).toBeGreaterThan(0);
    await g.redisProxy.restore();
    const backAt = performance.now();

    const seen: string[][] = [];
    let rebuiltAt: number | null = null;
    while (performance.now() - backAt < SYNC_INTERVAL_MS + 15_000) {
      const [active, noRole] = await states();
      seen.push([active, noRole]);
      if (active === 'ACTIVE' && noRole === 'NO_ROLE') {
        rebuiltAt = performance.now();
        break;
      }
      await sleep(100);
    }
    expect(rebuiltAt).not.toBeNull();
    const rebuildMs = (rebuiltAt as number) - backAt;
    // Until the rebuild: only "not synced" or 503, for both users (never NO_ROLE from missing data).
    const before = seen.slice(0, -1);
    for (const [active, noRole] of before) {
      expect(['NOT_SYNCED', '503 DEPENDENCY_UNAVAILABLE']).toContain(active);
      expect(['NOT_SYNCED', '503 DEPENDENCY_UNAVAILABLE']).toContain(noRole);
    }
    expect(rebuildMs).toBeLessThan(SYNC_INTERVAL_MS + 5000);
    recorder.measure('Redis back empty: role data rebuilt after', rebuildMs);
    recorder.add('accessAnswersWhileRebuilding', before.length * 2);
    const status = await syncStatus(g.client);
    expect(status).toMatchObject({ state: 'IDLE' });
    expect(status?.holders).toBeGreaterThan(0);
    survived();
  }, 40_000);
});

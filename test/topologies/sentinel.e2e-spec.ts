import { Client } from 'pg';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { accessState, HOME_VPD, mapUser, sleep, syncStatus } from '../faults/fault-harness';
import { assertBuilt, GatewayProcess, migrate } from '../faults/gateway-process';
import { redisCommand, startRedis, startSentinel, TestRedis, TestSentinel, waitUntil } from '../support/servers';
import { ReliabilityRecorder, timeUntil } from '../support/reliability';
import { createTestDatabase, OPS_KEY, TEST_API_KEYS } from '../support/test-env';

const HOLDERS = 10_000;
const LEASE_TTL_MS = 3000;

interface RunRecord {
  state: string;
  progress: { processed: number };
}

interface Answer {
  at: number;
  gateway: string;
  user: string;
  answer: string;
}

/**
 * Two gateways on a Sentinel-managed Redis (a primary, a replica, three sentinels), one PostgreSQL and
 * the ESR sandbox; the primary SIGKILLed while they answer and sync.
 */
describe('Redis Sentinel: two gateways across a failover', () => {
  const recorder = new ReliabilityRecorder('sentinel', 'Two gateways on Redis Sentinel; the primary SIGKILLed mid-sync');
  let sandbox: RunningSandbox;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sentinel: TestSentinel;
  let spareReplica: TestRedis | undefined;
  let direct: Client;
  const gateways: GatewayProcess[] = [];
  /** Each mapped user and the answer every gateway gave before the failover. */
  const expected = new Map<string, string>();

  const run = async (g: GatewayProcess, runId: string) => (await g.client.get(`/v1/sync/runs/${runId}`, OPS_KEY)).body as RunRecord;
  const startFull = async (g: GatewayProcess): Promise<string> => {
    const res = await g.client.post('/v1/sync/runs', { mode: 'full' }, OPS_KEY);
    expect(res.status).toBe(202);
    return (res.body as { runId: string }).runId;
  };
  const ended = async (g: GatewayProcess, runId: string, timeoutMs: number) => {
    await timeUntil(async () => !['queued', 'running'].includes((await run(g, runId)).state), timeoutMs, 200);
    return (await run(g, runId)).state;
  };

  beforeAll(async () => {
    assertBuilt();
    [sandbox, db, sentinel] = await Promise.all([
      startSandbox({ port: 0, vpdCount: 1, roleAssignments: HOLDERS, rateLimitPerSecond: 20 }),
      createTestDatabase(),
      startSentinel({ password: 'data-secret-0123', sentinelPassword: 'sentinel-secret-0123' }),
    ]);
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      DATABASE_MIGRATIONS_RUN: 'false',
      REDIS_SENTINELS: sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(','),
      REDIS_SENTINEL_NAME: sentinel.name,
      REDIS_PASSWORD: 'data-secret-0123',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret-0123',
      API_KEYS: TEST_API_KEYS,
      AUDIT_HMAC_SECRET: 'sentinel-audit-hmac-secret-0123',
      ALLOW_INSECURE_HTTP: 'true',
      ESR_BASE_URL: sandbox.url,
      ESR_VPDS: HOME_VPD,
      ESR_RATE_LIMIT_PER_SECOND: '15',
      SYNC_ENABLED: 'true',
      SYNC_INTERVAL: 'PT10S',
      SYNC_LEASE_TTL: `PT${LEASE_TTL_MS / 1000}S`,
      FULL_SYNC_CRON: '0 0 1 1 *',
      LOG_LEVEL: 'warn',
    };
    migrate(env);
    for (const name of ['a', 'b']) gateways.push(new GatewayProcess(name, env));
    await Promise.all(gateways.map((g) => g.start()));
    direct = new Client({ connectionString: db.url });
    await direct.connect();
    await timeUntil(async () => (await syncStatus(gateways[0].client))?.holders === HOLDERS, 120_000, 500);
    const users: Array<[string, string]> = [
      ['sentinel.holder@nhs.net', sandbox.admin.findRoleHolder(HOME_VPD, 10).employeeNumber],
      ['sentinel.other@nhs.net', sandbox.admin.findPersonWithoutRole(HOME_VPD, 3).employeeNumber],
    ];
    for (const [user, employeeNumber] of users) await mapUser(gateways[0].client, user, employeeNumber);
    for (const [user] of users) expected.set(user, await accessState(gateways[0].client, user));
    for (const g of gateways) for (const [user] of users) expect(await accessState(g.client, user)).toBe(expected.get(user));
  }, 180_000);

  afterAll(async () => {
    for (const g of gateways) recorder.addClient(g.client);
    recorder.finish();
    await Promise.all(gateways.map((g) => g.stop()));
    await direct?.end();
    await Promise.all([sandbox?.close(), sentinel?.stop(), spareReplica?.stop()]);
    await db?.drop();
  }, 60_000);

  it('should answer 503 or correctly during the switch, correctly again within the failover time + 5 s, finish or fail the sync in flight cleanly, and lose nothing', async () => {
    const survived = recorder.fault(
      'Redis primary SIGKILLed while two gateways answer and one syncs',
      'answers 503 or correct, correct within failover + 5 s; the sync ends cleanly; nothing lost',
    );
    expect([...expected.values()]).toEqual(['ACTIVE', 'NO_ROLE']);
    const mappingsBefore = (await direct.query('SELECT count(*)::int AS n FROM esr_mappings')).rows[0].n as number;
    const syncing = gateways[0];
    const runId = await startFull(syncing);
    await timeUntil(async () => (await run(syncing, runId)).progress.processed >= 500, 60_000, 50);

    const answers: Answer[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        await Promise.all(
          gateways.flatMap((g) =>
            [...expected.keys()].map(async (user) =>
              answers.push({ at: Date.now(), gateway: g.name, user, answer: await accessState(g.client, user) }),
            ),
          ),
        );
        await sleep(50);
      }
    })();

    const killedAt = Date.now();
    const old = await sentinel.killPrimary();
    await sentinel.waitForNewPrimary(old);
    const failoverMs = Date.now() - killedAt;
    await sleep(8000);
    polling = false;
    await poll;

    const wrong200 = answers.filter((a) => !a.answer.startsWith('503') && a.answer !== expected.get(a.user));
    expect(wrong200).toEqual([]);
    const unavailable = answers.filter((a) => a.answer !== expected.get(a.user));
    const lastUnavailable = Math.max(killedAt, ...unavailable.map((a) => a.at));
    expect(lastUnavailable - killedAt).toBeLessThanOrEqual(failoverMs + 5000);
    expect(answers.filter((a) => a.at > lastUnavailable).length).toBeGreaterThan(0);
    recorder.measure('Sentinel failover: new primary promoted after', failoverMs);
    recorder.measure('Sentinel failover: answers correct again after', lastUnavailable - killedAt);
    recorder.add('accessAnswers', answers.length);
    recorder.add('accessAnswers503', unavailable.length);

    // The sync in flight completes, or fails cleanly: it ends, and nothing stays RUNNING.
    const inFlight = await ended(syncing, runId, 60_000);
    expect(['succeeded', 'failed', 'abandoned']).toContain(inFlight);
    recorder.add(`syncInFlight_${inFlight}`);

    // Lease writes wait for a replica (REDIS_LEASE_REPLICAS, 1 under Sentinel): the lost node comes back as a new replica.
    spareReplica = await startRedis({
      name: 'sentinel-spare',
      password: 'data-secret-0123',
      replicaOf: (await sentinel.currentPrimary()).port,
    });
    const spare = spareReplica;
    await waitUntil('the new replica to sync', async () =>
      String(await redisCommand(spare.port, ['INFO', 'replication'], { password: 'data-secret-0123' })).includes('master_link_status:up'),
    );
    const next = await startFull(gateways[1]);
    await ended(gateways[1], next, 120_000);
    expect(await run(gateways[1], next)).toMatchObject({ state: 'succeeded' });
    for (const g of gateways) {
      expect(await syncStatus(g.client)).toMatchObject({ state: 'IDLE', holders: HOLDERS });
      for (const [user, answer] of expected) expect(await accessState(g.client, user)).toBe(answer);
    }
    expect((await direct.query('SELECT count(*)::int AS n FROM esr_mappings')).rows[0].n).toBe(mappingsBefore);
    survived();
  }, 200_000);
});

import { Client } from 'pg';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { ReliabilityRecorder, timeUntil } from '../support/reliability';
import { createTestDatabase, createTestRedisPrefix, OPS_KEY, REDIS_URL, TEST_API_KEYS } from '../support/test-env';
import { accessState, HOME_VPD, mapUser, sleep, syncStatus } from './fault-harness';
import { assertBuilt, GatewayProcess, migrate } from './gateway-process';

const HOLDERS = 20_000;
const LEASE_TTL_MS = 3000;
const SYNC_INTERVAL_MS = 10_000;
const ESTABLISHED = '30581377';

interface RunRecord {
  runId: string;
  state: string;
  holder: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  progress: { processed: number };
}

describe('Fault: gateways killed mid-sync, and several gateways on one Redis and one database', () => {
  const recorder = new ReliabilityRecorder('replicas', 'Three gateway processes on one Redis and database; SIGKILL mid-sync');
  let sandbox: RunningSandbox;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prefix: ReturnType<typeof createTestRedisPrefix>;
  let direct: Client;
  const gateways: GatewayProcess[] = [];

  const alive = () => gateways.filter((g) => g.alive);
  const status = () => syncStatus(alive()[0].client);
  const run = async (g: GatewayProcess, runId: string) => (await g.client.get(`/v1/sync/runs/${runId}`, OPS_KEY)).body as RunRecord;
  const startFull = async (g: GatewayProcess): Promise<string> => {
    const res = await g.client.post('/v1/sync/runs', { mode: 'full' }, OPS_KEY);
    expect(res.status).toBe(202);
    return (res.body as { runId: string }).runId;
  };
  const waitRun = (g: GatewayProcess, runId: string, timeoutMs = 120_000) =>
    timeUntil(async () => !['queued', 'running'].includes((await run(g, runId)).state), timeoutMs, 200);

  beforeAll(async () => {
    assertBuilt();
    sandbox = await startSandbox({ port: 0, vpdCount: 1, roleAssignments: HOLDERS, rateLimitPerSecond: 20 });
    db = await createTestDatabase();
    prefix = createTestRedisPrefix();
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      DATABASE_MIGRATIONS_RUN: 'false',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix.prefix,
      API_KEYS: TEST_API_KEYS,
      AUDIT_HMAC_SECRET: 'replicas-audit-hmac-secret-0123',
      ALLOW_INSECURE_HTTP: 'true',
      ESR_BASE_URL: sandbox.url,
      ESR_VPDS: HOME_VPD,
      ESR_PAGE_SIZE: '500',
      ESR_RATE_LIMIT_PER_SECOND: '15',
      SYNC_ENABLED: 'true',
      SYNC_INTERVAL: `PT${SYNC_INTERVAL_MS / 1000}S`,
      SYNC_LEASE_TTL: `PT${LEASE_TTL_MS / 1000}S`,
      FULL_SYNC_CRON: '0 0 1 1 *',
      SYNC_REMOVAL_GUARD_COUNT: '5',
      LOG_LEVEL: 'info',
    };
    migrate(env);
    for (const name of ['a', 'b', 'c']) gateways.push(new GatewayProcess(name, env));
    await Promise.all(gateways.map((g) => g.start()));
    direct = new Client({ connectionString: db.url });
    await direct.connect();
    await timeUntil(async () => ((await status())?.holders ?? 0) >= HOLDERS && (await status())?.state === 'IDLE', 150_000, 500);
  }, 240_000);

  afterAll(async () => {
    let sent = 0;
    let fiveXx = 0;
    let problems = 0;
    for (const g of gateways) {
      sent += g.client?.sent ?? 0;
      fiveXx += g.client?.fiveXx ?? 0;
      problems += g.client?.problems.length ?? 0;
    }
    recorder.add('requestsSent', sent);
    recorder.add('responses5xx', fiveXx);
    recorder.add('openApiViolations', problems);
    recorder.finish();
    await Promise.all(gateways.map((g) => g.stop()));
    await direct?.end();
    await sandbox?.close();
    await prefix?.cleanup();
    await db?.drop();
  }, 60_000);

  afterEach(() => {
    for (const g of gateways) expect(g.client.problems).toEqual([]);
  });

  it('should run one sync at a time when every gateway asks for a full run at once', async () => {
    const survived = recorder.fault('Three gateways asked for a full run at the same moment', 'runs one after another, never overlapping');
    const runs = await Promise.all(gateways.map(async (g) => ({ g, runId: await startFull(g) })));
    await Promise.all(runs.map(({ g, runId }) => waitRun(g, runId, 180_000)));
    const records = await Promise.all(runs.map(({ g, runId }) => run(g, runId)));
    const ran = records.filter((r) => r.state === 'succeeded').sort((x, y) => String(x.startedAt).localeCompare(String(y.startedAt)));
    expect(ran.length).toBe(3);
    for (let i = 1; i < ran.length; i++)
      expect(Date.parse(ran[i].startedAt as string)).toBeGreaterThanOrEqual(Date.parse(ran[i - 1].finishedAt as string));
    expect(new Set(ran.map((r) => r.holder)).size).toBe(3);
    expect((await status())?.holders).toBe(HOLDERS);
    survived();
  }, 240_000);

  it('should let a survivor take over within the lease time when the syncing gateway is SIGKILLed, losing no holder and leaving nothing RUNNING', async () => {
    const survived = recorder.fault(
      'Gateway SIGKILLed in the middle of a full sync',
      'takeover within the lease TTL; no holder lost; no stuck RUNNING',
    );
    await mapUser(alive()[0].client, 'replica.hr@nhs.net', ESTABLISHED);
    const first = alive()[0];
    const runId = await startFull(first);
    await timeUntil(async () => (await run(first, runId)).progress.processed >= 4000, 60_000, 100);
    const leader = (await run(first, runId)).holder as string;
    const victim = gateways.find((g) => leader.includes(`:${g.pid}:`)) as GatewayProcess;
    expect(victim).toBeDefined();
    await victim.kill();
    const killedAt = performance.now();
    const survivor = alive()[0];
    const takeover = await startFull(survivor);
    const takeoverMs = await timeUntil(async () => (await run(survivor, takeover)).state !== 'queued', 30_000, 50);
    expect(takeoverMs).toBeLessThanOrEqual(LEASE_TTL_MS + 1500);
    recorder.measure('SIGKILL mid full sync: survivor took the lease after', takeoverMs);
    // Meanwhile the last good data is served: the mapped holder keeps ACTIVE on every surviving replica.
    for (const g of alive()) expect(await accessState(g.client, 'replica.hr@nhs.net')).toBe('ACTIVE');
    await waitRun(survivor, takeover);
    expect((await run(survivor, takeover)).state).toBe('succeeded');
    recorder.measure('SIGKILL mid full sync: full sync complete again after', performance.now() - killedAt);
    const after = await status();
    expect(after).toMatchObject({ state: 'IDLE', holders: HOLDERS });
    recorder.add('holdersLost', HOLDERS - (after?.holders ?? 0));
    survived();
  }, 180_000);

  it('should recover by itself (no API call) after a SIGKILL mid-run: the next scheduled run succeeds and nothing stays RUNNING', async () => {
    const survived = recorder.fault(
      'Gateway SIGKILLed mid-run, nobody acting after',
      'a scheduled run succeeds within lease TTL + one interval',
    );
    if (alive().length < 2) {
      const replacement = new GatewayProcess('d', gateways[0].env);
      gateways.push(await replacement.start());
    }
    const first = alive()[0];
    const runId = await startFull(first);
    await timeUntil(async () => (await run(first, runId)).progress.processed >= 2000, 60_000, 100);
    const leader = (await run(first, runId)).holder as string;
    const victim = gateways.find((g) => leader.includes(`:${g.pid}:`)) as GatewayProcess;
    await victim.kill();
    const killedAt = Date.now();
    const recoveredMs = await timeUntil(
      async () => {
        const s = await status();
        return s !== undefined && s.state === 'IDLE' && s.lastSuccessAt !== null && Date.parse(s.lastSuccessAt) > killedAt;
      },
      LEASE_TTL_MS + SYNC_INTERVAL_MS + 60_000,
      250,
    );
    recorder.measure('SIGKILL mid-run, nobody acting: next successful run after', recoveredMs);
    expect((await status())?.holders).toBe(HOLDERS);
    survived();
  }, 180_000);

  it('should read the run of a SIGKILLed gateway as abandoned, finished when its lease expired', async () => {
    const survived = recorder.fault(
      'Gateway SIGKILLed mid-run, its run read back from a survivor',
      'the run reads abandoned, finishedAt set, within lease TTL + one check interval',
    );
    if (alive().length < 2) {
      const replacement = new GatewayProcess('e', gateways[0].env);
      gateways.push(await replacement.start());
    }
    const first = alive()[0];
    const runId = await startFull(first);
    await timeUntil(async () => (await run(first, runId)).progress.processed >= 2000, 60_000, 100);
    const leader = (await run(first, runId)).holder as string;
    const victim = gateways.find((g) => leader.includes(`:${g.pid}:`)) as GatewayProcess;
    await victim.kill();
    const killedAt = Date.now();
    const reader = alive()[0];
    const abandonedMs = await timeUntil(async () => (await run(reader, runId)).state === 'abandoned', 2 * LEASE_TTL_MS + 5000, 100);
    expect(abandonedMs).toBeLessThanOrEqual(2 * LEASE_TTL_MS + 1500); // the lease TTL plus one check interval (SYNC_LEASE_TTL)
    recorder.measure('SIGKILL mid-run: run read abandoned after', abandonedMs);
    const record = await run(reader, runId);
    expect(Date.parse(record.finishedAt as string)).toBeGreaterThan(Date.parse(record.startedAt as string));
    expect(Date.parse(record.finishedAt as string)).toBeLessThanOrEqual(killedAt + LEASE_TTL_MS);
    await timeUntil(
      async () => {
        const s = await status();
        return s !== undefined && s.state === 'IDLE' && s.lastSuccessAt !== null && Date.parse(s.lastSuccessAt) > killedAt;
      },
      LEASE_TTL_MS + SYNC_INTERVAL_MS + 60_000,
      250,
    );
    survived();
  }, 180_000);

  it('should write no audit event twice across replicas', async () => {
    const survived = recorder.fault('Audit written by several replicas', 'no duplicate audit events');
    // Mappings created through different replicas, and a removal held by the guard seen by every replica's runs.
    const people = Array.from({ length: 6 }, (_, i) => sandbox.admin.findRoleHolder(HOME_VPD, 100 + i));
    for (const [i, person] of people.entries())
      await mapUser(alive()[i % alive().length].client, `replica.user${i}@nhs.net`, person.employeeNumber);
    for (let i = 0; i < 8; i++) {
      const holder = sandbox.admin.findRoleHolder(HOME_VPD, 200 + i);
      for (const role of sandbox.admin.roleAssignmentsOf(HOME_VPD, holder.employeeNumber)) sandbox.admin.deleteRole(role.assignmentId);
    }
    const runs = await Promise.all(alive().map(async (g) => ({ g, runId: await startFull(g) })));
    await Promise.all(runs.map(({ g, runId }) => waitRun(g, runId, 180_000)));
    await sleep(500);
    const rows = (
      await direct.query<{
        type: string;
        subject_user_id: string | null;
        vpd: string | null;
        employee_number: string | null;
        request_id: string | null;
        details: unknown;
      }>('SELECT type, subject_user_id, vpd, employee_number, request_id, details FROM audit_events')
    ).rows;
    const created = rows.filter((r) => r.type === 'MAPPING_CREATED');
    expect(created.length).toBe(people.length + 1);
    const keys = rows.map((r) => JSON.stringify([r.type, r.subject_user_id, r.vpd, r.employee_number, r.request_id, r.details]));
    expect(new Set(keys).size).toBe(keys.length);
    const held = rows.filter((r) => r.type === 'SYNC_REMOVALS_HELD');
    expect(held.length).toBeGreaterThan(0);
    const heldRuns = held.map((r) => (typeof r.details === 'string' ? JSON.parse(r.details) : r.details).runId as string);
    expect(new Set(heldRuns).size).toBe(heldRuns.length);
    recorder.add('auditRowsChecked', rows.length);
    survived();
  }, 240_000);
});

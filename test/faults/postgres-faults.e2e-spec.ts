import { Client } from 'pg';
import { ReliabilityRecorder, timeUntil } from '../support/reliability';
import { accessState, FaultGateway, LSA, mapUser, runSync, sleep, startFaultGateway } from './fault-harness';
import { PORTAL_KEY } from '../support/test-env';

const ESTABLISHED = '30581377'; // sandbox fixture: holds the role, active
const HOLDER = 'pg.holder@nhs.net';
/** A user whose mappings are in the mirror when the database goes away (no write touches them meanwhile). */
const CACHED = 'pg.cached@nhs.net';

describe('Fault: PostgreSQL away', () => {
  const recorder = new ReliabilityRecorder('postgres', 'PostgreSQL away, reset mid-write, hung');
  let g: FaultGateway;
  let direct: Client;

  const ready = async () => g.client.request({ method: 'GET', url: '/health/ready' });
  const create = (user: string, employeeNumber: string, actingUser = LSA) =>
    g.client.post(`/v1/users/${user}/esr-mappings`, { vpd: '979', employeeNumber }, undefined, { 'x-acting-user': actingUser });
  const count = async (sql: string, params: unknown[] = []) => Number((await direct.query<{ n: string }>(sql, params)).rows[0].n);

  beforeAll(async () => {
    g = await startFaultGateway({ captureLogs: !!process.env.FAULT_LOGS, env: { LOOKUP_KEY_RATE_LIMIT_PER_MINUTE: '100000' } });
    direct = new Client({ connectionString: g.t.databaseUrl });
    await direct.connect();
    await runSync(g.client, 'full');
    await mapUser(g.client, HOLDER, ESTABLISHED);
    expect(await accessState(g.client, HOLDER)).toBe('ACTIVE');
    await mapUser(g.client, CACHED, g.sandbox.admin.findRoleHolder('979', 5).employeeNumber);
    expect(await accessState(g.client, CACHED)).toBe('ACTIVE');
  }, 60_000);

  afterAll(async () => {
    recorder.addClient(g?.client);
    recorder.finish();
    if (process.env.FAULT_LOGS) process.stderr.write(g.logs.filter((l) => l.includes('"level":50')).join(''));
    await direct?.end();
    await g?.close();
  }, 30_000);

  afterEach(() => {
    expect(g.client.problems).toEqual([]);
  });

  it('should answer 503 to mapping writes and reads while the database is down, write nothing, and take the retry after', async () => {
    const survived = recorder.fault('PostgreSQL down (connections refused)', 'writes 503, nothing written; the retry succeeds; access 503');
    await g.dbProxy.cut('refuse');
    const readyMs = await timeUntil(async () => (await ready()).status === 503, 10_000);
    expect((await ready()).body).toMatchObject({ error: 'DEPENDENCY_UNAVAILABLE', failed: ['database'] });
    recorder.measure('PostgreSQL down: readiness 503 after', readyMs);

    const attempts = [
      await create('pg.new@nhs.net', '83445158'),
      await g.client.delete(`/v1/users/${HOLDER}/esr-mappings/979/${ESTABLISHED}`, undefined, { 'x-acting-user': LSA }),
      await g.client.post(
        '/v1/esr-mappings/import',
        { items: [{ portalUserId: 'pg.imp@nhs.net', vpd: '979', employeeNumber: '68114448' }] },
        undefined,
        {
          'x-acting-user': LSA,
        },
      ),
      await g.client.get(`/v1/users/${HOLDER}/esr-mappings`, PORTAL_KEY, { 'x-acting-user': LSA }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('DEPENDENCY_UNAVAILABLE');
      expect(res.headers['retry-after']).toBeDefined();
    }
    // What access answers meanwhile (README, "When a dependency fails"): a user whose mappings were being
    // written is read from the database, so 503, never a 200 without the mappings; a user cached in the
    // mapping mirror is answered from Redis as before.
    expect(await accessState(g.client, HOLDER)).toBe('503 DEPENDENCY_UNAVAILABLE');
    expect(await accessState(g.client, CACHED)).toBe('ACTIVE');
    const search = await g.client.post('/v1/credential-searches', { vpd: '979', employeeNumber: ESTABLISHED }, undefined, {
      'x-acting-user': HOLDER,
    });
    expect(search.status).toBe(503);
    expect((await g.client.get('/health/live')).status).toBe(200);

    await g.dbProxy.restore();
    const backMs = await timeUntil(async () => (await ready()).status === 200, 15_000);
    recorder.measure('PostgreSQL down: ready again after', backMs);
    expect(await count(`SELECT count(*) AS n FROM esr_mappings WHERE portal_user_id IN ('pg.new@nhs.net', 'pg.imp@nhs.net')`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM esr_mappings WHERE portal_user_id = $1`, [HOLDER])).toBe(1);
    const retryMs = await timeUntil(async () => (await create('pg.new@nhs.net', '83445158')).status === 201, 10_000, 200);
    recorder.measure('PostgreSQL down: first successful retry after restore', backMs + retryMs);
    expect(await accessState(g.client, HOLDER)).toBe('ACTIVE');
    survived();
  }, 60_000);

  it('should never leave an import half-written when the connection is reset in the middle of it', async () => {
    const rounds = 6;
    const survived = recorder.fault(
      'PostgreSQL connection reset during a 400-row import',
      'all rows and their audit events, or none',
      rounds,
    );
    const outcomes: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const users = Array.from({ length: 400 }, (_, i) => `pg.bulk${round}.${i}@nhs.net`);
      const items = users.map((portalUserId, i) => ({ portalUserId, vpd: '979', employeeNumber: String(10_000_000 + round * 1000 + i) }));
      const pending = g.client.post('/v1/esr-mappings/import', { items }, undefined, { 'x-acting-user': LSA });
      await sleep(5 + round * 15);
      await g.dbProxy.cut('reset');
      const res = await pending;
      await g.dbProxy.restore();
      await timeUntil(async () => (await ready()).status === 200, 15_000);
      const like = [`pg.bulk${round}.%`];
      const written = await count(`SELECT count(*) AS n FROM esr_mappings WHERE portal_user_id LIKE $1`, like);
      outcomes.push(`${res.status}:${written}`);
      if (res.status === 200) expect(written).toBe(res.body.created);
      else expect(res.status).toBe(503);
      // The same import again: all or nothing of the first one went in, so it creates either nothing or everything.
      const retry = await g.client.post('/v1/esr-mappings/import', { items }, undefined, { 'x-acting-user': LSA });
      expect(retry.status).toBe(200);
      expect(written === 0 || retry.body.created === 0).toBe(true);
      const total = await count(`SELECT count(*) AS n FROM esr_mappings WHERE portal_user_id LIKE $1`, like);
      expect(total).toBe(written + retry.body.created);
      expect(total).toBe(users.length - retry.body.errors.length);
      const audited = await count(
        `SELECT count(*) AS n FROM audit_events WHERE type = 'MAPPING_CREATED' AND subject_user_id LIKE $1`,
        like,
      );
      expect(audited).toBe(total);
    }
    recorder.measure('imports cut midway that had written nothing', outcomes.filter((o) => o.endsWith(':0')).length, 'count');
    recorder.add('importsCutMidway', rounds);
    survived();
  }, 120_000);

  it('should fail mapping writes with 503 within the query timeout when the database hangs, and recover', async () => {
    const survived = recorder.fault('PostgreSQL hung (connections silent)', 'writes 503 (not a hang, not 500); back after');
    await g.dbProxy.cut('blackhole');
    const started = performance.now();
    const res = await create('pg.hung@nhs.net', '68114448');
    const tookMs = performance.now() - started;
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('DEPENDENCY_UNAVAILABLE');
    recorder.measure('PostgreSQL hung: mapping write answered 503 after', tookMs);
    expect((await ready()).status).toBe(503);
    await g.dbProxy.restore();
    const backMs = await timeUntil(async () => (await ready()).status === 200, 20_000);
    recorder.measure('PostgreSQL hung: ready again after restore', backMs);
    expect(await count(`SELECT count(*) AS n FROM esr_mappings WHERE portal_user_id = 'pg.hung@nhs.net'`)).toBe(0);
    // Another LSA: the bulk imports above spent LSA's look-up budget for this minute (import rows count against it;
    // the key's budget is raised for this file, whose imports are about PostgreSQL).
    await timeUntil(async () => (await create('pg.hung@nhs.net', '68114448', 'lsa.after@nhs.net')).status === 201, 10_000, 200);
    survived();
  }, 60_000);
});

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { FakeClock } from '../../src/common/clock/clock';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { postgresBinDir } from '../support/servers';
import { waitForSyncRun } from '../support/sync-runs';
import { createTestDatabase, OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const run = promisify(execFile);
const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@nhs.net' };
const ops = { authorization: `Bearer ${OPS_KEY}`, 'x-acting-user': 'ops.lead@nhs.net' };

type Access = { asOf?: string; mappings: Array<{ state: string; reason: string; lastSyncedAt?: string | null }> } & Record<string, unknown>;
type Row = Record<string, unknown>;

/**
 * An access answer without what legitimately moves between two gateways: when it was asked and when
 * its VPD was last synced (a field, and a phrase of the NO_ROLE reason).
 */
const stable = ({ asOf: _asOf, mappings, ...rest }: Access) => ({
  ...rest,
  mappings: mappings.map(({ lastSyncedAt: _synced, reason, ...mapping }) => ({
    ...mapping,
    reason: reason.replace(/last synced \d+ \w{3} \d{4} at \d\d:\d\d UK time/, 'last synced <when>'),
  })),
});

/** Every row of every table of the public schema (the migrations table included), in key order. */
async function tablesOf(url: string): Promise<Record<string, Row[]>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    );
    const tables: Record<string, Row[]> = {};
    for (const { table_name: name } of rows) tables[name] = (await client.query(`SELECT * FROM "${name}" ORDER BY 1`)).rows;
    return tables;
  } finally {
    await client.end();
  }
}

/**
 * The restore drill of docs/operations.md: a populated gateway database dumped with `pg_dump -Fc`,
 * restored with `pg_restore` into a new database, and a new gateway on it with an EMPTY Redis key
 * prefix answers every access question as before once its first full sync has run. Real PostgreSQL
 * and Redis, the ESR sandbox on a FakeClock.
 */
describe('Restore drill (pg_dump -Fc, pg_restore into a new database, an empty Redis)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  const env: Record<string, string> = {
    ESR_MAX_ATTEMPTS: '1',
    ESR_BREAKER_THRESHOLD: '100',
    WEBHOOK_URL: 'http://127.0.0.1:9/esr-access-events',
    WEBHOOK_SECRET: `whsec_${Buffer.from('restore-drill-webhook-key-0123456789').toString('base64')}`,
    ALLOW_INSECURE_HTTP: 'true',
  };
  let sandbox: RunningSandbox;
  let source: TestApp | undefined;
  let restored: TestApp | undefined;
  let restoredDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let dumpDir: string | undefined;
  let users: string[] = [];
  const before = new Map<string, Access>();
  let auditBefore: Row[] = [];
  let deliveriesBefore: Row[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    env.ESR_BASE_URL = sandbox.url;
    dumpDir = await mkdtemp(path.join(tmpdir(), 'esr-gw-restore-drill-'));
  }, 30_000);

  afterAll(async () => {
    await source?.close();
    await restored?.close();
    await restoredDb?.drop();
    if (dumpDir) await rm(dumpDir, { recursive: true, force: true });
    await sandbox?.close();
  }, 30_000);

  const fullSync = async (t: TestApp) => {
    const started = await t.app.inject({ method: 'POST', url: '/v1/sync/runs', headers: ops, payload: { mode: 'full' } });
    expect(started.statusCode).toBe(202);
    await waitForSyncRun(t.app, started.json<{ runId: string }>().runId);
  };
  const map = async (t: TestApp, user: string, vpd: string, employeeNumber: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/users/${user}/esr-mappings`,
      headers: portal,
      payload: { vpd, employeeNumber },
    });
    expect(res.statusCode).toBe(201);
    return res;
  };
  const accessOf = async (t: TestApp, user: string): Promise<Access> => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/users/${user}/esr-access`, headers: portal });
    expect(res.statusCode).toBe(200);
    return res.json<Access>();
  };
  const auditOf = async (t: TestApp): Promise<Row[]> => {
    const items: Row[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
      const res = await t.app.inject({ method: 'GET', url: `/v1/audit/events${query}`, headers: ops });
      expect(res.statusCode).toBe(200);
      const page = res.json<{ items: Row[]; nextCursor: string | null }>();
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };
  const pendingDeliveries = async (t: TestApp): Promise<Row[]> => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/webhooks/deliveries?status=pending', headers: ops });
    expect(res.statusCode).toBe(200);
    return res.json<{ items: Row[] }>().items;
  };

  it('should populate a gateway: a full sync, mappings of several users, VPDs and states, an import, a delete, a search', async () => {
    source = await startTestApp(env, clock);
    const t = source;
    await fullSync(t);
    const [other, third] = sandbox.admin
      .vpds()
      .map((v) => v.vpd)
      .filter((vpd) => vpd !== '979');
    const fixture = (key: Parameters<RunningSandbox['admin']['fixture']>[0]) => sandbox.admin.fixture(key).employeeNumber;

    await map(t, 'hr.established', '979', fixture('established'));
    await map(t, 'hr.pending', '979', fixture('assignedWithin24h'));
    await map(t, 'hr.future.dated', '979', fixture('futureDated'));
    await map(t, 'hr.ending.today', '979', fixture('endDatedToday'));
    await map(t, 'hr.ended', '979', fixture('endDatedYesterday'));
    await map(t, 'hr.leaver', '979', fixture('leaver'));
    await map(t, 'hr.two.vpds', '979', fixture('deletedInError'));
    await map(t, 'hr.two.vpds', other, sandbox.admin.findRoleHolder(other, 0).employeeNumber);
    // A role assigned after the last sync, known to the cache through an on-demand refresh only.
    await map(t, 'hr.refreshed', '979', fixture('withoutRole'));
    clock.advance(60_000);
    sandbox.admin.assignRole('979', fixture('withoutRole'), { createdAt: clock.now() });
    const refreshed = await t.app.inject({ method: 'POST', url: '/v1/users/hr.refreshed/esr-access/refresh', headers: portal });
    expect(refreshed.json().mappings[0]).toMatchObject({ state: 'PENDING_ACTIVATION' });

    const imported = await t.app.inject({
      method: 'POST',
      url: '/v1/esr-mappings/import',
      headers: portal,
      payload: {
        items: [
          { portalUserId: 'imported.a', vpd: '979', employeeNumber: sandbox.admin.findRoleHolder('979', 0).employeeNumber },
          { portalUserId: 'imported.b', vpd: third, employeeNumber: sandbox.admin.findRoleHolder(third, 0).employeeNumber },
          { portalUserId: 'imported.c', vpd: other, employeeNumber: sandbox.admin.findPersonWithoutRole(other, 0).employeeNumber },
        ],
      },
    });
    expect(imported.json()).toMatchObject({ created: 3, errors: [] });

    const gone = sandbox.admin.findRoleHolder('979', 1).employeeNumber;
    await map(t, 'hr.removed', '979', gone);
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/users/hr.removed/esr-mappings/979/${gone}`, headers: portal });
    expect(removed.statusCode).toBe(204);
    const taken = await t.app.inject({
      method: 'POST',
      url: '/v1/users/someone.else/esr-mappings',
      headers: portal,
      payload: { vpd: '979', employeeNumber: fixture('established') },
    });
    expect(taken.json().error).toBe('ESR_RECORD_MAPPED_TO_OTHER_USER');

    const search = await t.app.inject({
      method: 'POST',
      url: '/v1/credential-searches',
      headers: { ...portal, 'x-acting-user': 'hr.established' },
      payload: { vpd: '979', employeeNumber: sandbox.admin.findRoleHolder('979', 2).employeeNumber },
    });
    expect(search.statusCode).toBe(200);

    users = [
      ...['hr.established', 'hr.pending', 'hr.future.dated', 'hr.ending.today', 'hr.ended', 'hr.leaver', 'hr.two.vpds'],
      ...['hr.refreshed', 'imported.a', 'imported.b', 'imported.c', 'hr.removed', 'never.mapped'],
    ];
    for (const user of users) before.set(user, await accessOf(t, user));
    const states = [...before.values()].flatMap((a) => a.mappings.map((m) => m.state));
    expect(new Set(states)).toEqual(new Set(['ACTIVE', 'PENDING_ACTIVATION', 'NO_ROLE', 'RECORD_INACTIVE']));
    auditBefore = await auditOf(t);
    expect(new Set(auditBefore.map((e) => e.type))).toEqual(
      new Set(['MAPPING_CREATED', 'MAPPING_DELETED', 'ACCESS_REFRESHED', 'CREDENTIAL_SEARCH']),
    );
    deliveriesBefore = await pendingDeliveries(t);
    expect(deliveriesBefore.length).toBeGreaterThan(0);
  }, 60_000);

  it('should dump the database with pg_dump -Fc and restore every table, row for row, into a new database', async () => {
    const bin = postgresBinDir();
    const dump = path.join(dumpDir!, 'esr-gateway.dump');
    await run(path.join(bin, 'pg_dump'), ['--format=custom', `--file=${dump}`, source!.databaseUrl]);
    restoredDb = await createTestDatabase();
    await run(path.join(bin, 'pg_restore'), ['--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${restoredDb.url}`, dump]);

    const [original, copy] = await Promise.all([tablesOf(source!.databaseUrl), tablesOf(restoredDb.url)]);
    expect(Object.keys(copy)).toEqual(
      expect.arrayContaining(['esr_mappings', 'audit_events', 'webhook_deliveries', 'access_watch', 'access_vpd_marks', 'migrations']),
    );
    expect(copy.esr_mappings).toHaveLength(12);
    expect(copy).toEqual(original);

    // The old installation is gone: its gateway, database and Redis keys.
    await source!.close();
    source = undefined;
  }, 60_000);

  it('should answer NOT_SYNCED on the restored database with an empty Redis, then every answer as before after its first full sync', async () => {
    clock.advance(30 * 60_000);
    restored = await startTestApp(env, clock, { databaseUrl: () => restoredDb!.url });
    const t = restored;
    // Redis is empty: no role data yet, so nobody is let in (the mappings come from the database).
    for (const user of users.filter((u) => before.get(u)!.mappings.length > 0)) {
      const answer = await accessOf(t, user);
      expect(answer.searchEnabled).toBe(false);
      expect(answer.mappings.map((m) => m.state)).toEqual(answer.mappings.map(() => 'NOT_SYNCED'));
    }

    await fullSync(t);
    for (const user of users)
      expect({ user, answer: stable(await accessOf(t, user)) }).toEqual({ user, answer: stable(before.get(user)!) });
  }, 60_000);

  it('should keep every audit event, mapping and pending webhook delivery, and continue the audit ids', async () => {
    const t = restored!;
    const audit = await auditOf(t);
    const ids = new Set(auditBefore.map((e) => e.id));
    expect(audit.filter((e) => ids.has(e.id))).toEqual(auditBefore);
    await expect(pendingDeliveries(t)).resolves.toEqual(deliveriesBefore);
    for (const user of ['hr.two.vpds', 'imported.b']) {
      const listed = await t.app.inject({ method: 'GET', url: `/v1/users/${user}/esr-mappings`, headers: portal });
      expect(listed.json().items.length).toBe(before.get(user)!.mappings.length);
    }

    // The sequences came back with the rows: a new event is numbered after the restored ones.
    await map(t, 'after.restore', '979', sandbox.admin.findRoleHolder('979', 3).employeeNumber);
    const newest = (await auditOf(t)).find((e) => e.type === 'MAPPING_CREATED' && e.subjectUserId === 'after.restore');
    expect(BigInt(newest!.id as string)).toBeGreaterThan(BigInt(auditBefore[0].id as string));
  }, 60_000);
});

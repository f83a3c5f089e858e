import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { EsrMapping } from '../../src/database/esr-mapping.entity';
import { FakeClock } from '../../src/common/clock/clock';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { OPS_KEY, PORTAL_KEY, startTestApp, TEST_API_KEYS, TestApp } from '../support/test-env';

const TRUST_A = 'trust-a-portal-key-0001';
const TRUST_A_OPS = 'trust-a-ops-key-000001';
const LSA = 'lsa.trust-a@nhs.net';

/**
 * Keys restricted to some VPDs (API_KEYS `id:secret:scopes:979+806`), end to end on PostgreSQL, Redis
 * and an ESR sandbox of three VPDs: a trust's key acts only in its VPD (403 FORBIDDEN naming any
 * other), sees lists and batches filtered to it, and is recorded in the audit; unscoped keys see all.
 */
describe('VPD-scoped API keys (PostgreSQL, Redis, ESR sandbox of three VPDs)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;
  let db: DataSource;
  let a: string;
  let b: string;
  let c: string;
  const holders: Record<string, string[]> = {};

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0, vpdCount: 3 });
    [a, b, c] = sandbox.admin.vpds().map((v) => v.vpd);
    const scoped = `trust-a:${TRUST_A}:portal:${a},trust-a-ops:${TRUST_A_OPS}:ops:${a}`;
    t = await startTestApp(
      { ESR_BASE_URL: sandbox.url, ESR_VPDS: [a, b, c].join(','), API_KEYS: `${TEST_API_KEYS},${scoped}`, ESR_BREAKER_THRESHOLD: '100' },
      clock,
    );
    db = t.app.get(DataSource);
    expect(await t.app.get(RunCoordinator).runSync({ mode: 'full' })).toMatchObject({ status: 'succeeded' });
    for (const vpd of [a, b, c]) holders[vpd] = [0, 1, 2, 3].map((n) => sandbox.admin.findRoleHolder(vpd, n).employeeNumber);
    // Someone mapped in two trusts' VPDs, by the unscoped portal key.
    for (const vpd of [a, b]) expect((await add('two.trusts', vpd, holders[vpd][0], PORTAL_KEY)).statusCode).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  const headers = (key: string) => ({ authorization: `Bearer ${key}`, 'x-acting-user': LSA });
  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);
  const get = (url: string, key: string) => inject({ method: 'GET', url, headers: headers(key) });
  const post = (url: string, payload: object, key: string) => inject({ method: 'POST', url, headers: headers(key), payload });
  const add = (user: string, vpd: string, employeeNumber: string, key = TRUST_A) =>
    post(`/v1/users/${user}/esr-mappings`, { vpd, employeeNumber }, key);
  const forbidden = (vpds: string) => ({ error: 'FORBIDDEN', message: `This API key may not act in ${vpds}: it acts only in VPD ${a}.` });
  const mappingsOf = async (user: string) =>
    (await db.getRepository(EsrMapping).find({ where: { portalUserId: user } })).map((m) => m.vpd).sort();

  it('should let a scoped key map and delete in its VPD, refuse any other with 403 naming it, and record the key', async () => {
    const refused = await add('scoped.user', b, holders[b][1]);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject(forbidden(`VPD ${b}`));
    const removeElsewhere = await inject({
      method: 'DELETE',
      url: `/v1/users/two.trusts/esr-mappings/${b}/${holders[b][0]}`,
      headers: headers(TRUST_A),
    });
    expect(removeElsewhere.json()).toMatchObject(forbidden(`VPD ${b}`));
    await expect(mappingsOf('scoped.user')).resolves.toEqual([]);
    await expect(mappingsOf('two.trusts')).resolves.toEqual([a, b].sort());

    expect((await add('scoped.user', a, holders[a][1])).statusCode).toBe(201);
    const created = await db.getRepository(AuditEvent).findOneByOrFail({ type: 'MAPPING_CREATED', subjectUserId: 'scoped.user' });
    expect(created).toMatchObject({ apiKeyId: 'trust-a', actor: LSA, vpd: a });
  });

  it('should refuse an import with any row outside its VPDs, naming those VPDs, and write nothing', async () => {
    const items = [
      { portalUserId: 'imp.a', vpd: a, employeeNumber: holders[a][2] },
      { portalUserId: 'imp.b', vpd: b, employeeNumber: holders[b][2] },
      { portalUserId: 'imp.c', vpd: c, employeeNumber: holders[c][2] },
    ];
    const res = await post('/v1/esr-mappings/import', { items }, TRUST_A);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject(forbidden(`VPDs ${[b, c].sort().join(', ')}`));
    await expect(db.getRepository(EsrMapping).count({ where: [{ portalUserId: 'imp.a' }, { portalUserId: 'imp.b' }] })).resolves.toBe(0);
    const mine = await post('/v1/esr-mappings/import', { items: items.slice(0, 1) }, TRUST_A);
    expect(mine.json()).toMatchObject({ created: 1, errors: [] });
  });

  it("should filter a user's mappings, access and batch answers to its VPDs, while an unscoped key sees them all", async () => {
    const scopedList = (await get('/v1/users/two.trusts/esr-mappings', TRUST_A)).json();
    expect(scopedList.items.map((m: { vpd: string }) => m.vpd)).toEqual([a]);
    const fullList = (await get('/v1/users/two.trusts/esr-mappings', PORTAL_KEY)).json();
    expect(fullList.items.map((m: { vpd: string }) => m.vpd).sort()).toEqual([a, b].sort());

    const scopedAccess = (await get('/v1/users/two.trusts/esr-access', TRUST_A)).json();
    expect(scopedAccess.mappings.map((m: { vpd: string }) => m.vpd)).toEqual([a]);
    expect(scopedAccess.enabledVpds.every((vpd: string) => vpd === a)).toBe(true);
    expect((await get('/v1/users/two.trusts/esr-access', PORTAL_KEY)).json().mappings).toHaveLength(2);

    const batch = (await post('/v1/esr-access/batch', { portalUserIds: ['two.trusts', 'scoped.user', 'nobody'] }, TRUST_A)).json();
    expect(batch.items.map((i: { mappings: Array<{ vpd: string }> }) => i.mappings.map((m) => m.vpd))).toEqual([[a], [a], []]);
  });

  it('should remove only the mappings in its VPDs when asked to remove all of an account', async () => {
    const res = await inject({ method: 'DELETE', url: '/v1/users/two.trusts/esr-mappings', headers: headers(TRUST_A) });
    expect(res.json()).toEqual({ deleted: 1 });
    await expect(mappingsOf('two.trusts')).resolves.toEqual([b]);
  });

  it('should answer reconciliation and searches in its VPD only', async () => {
    expect((await get(`/v1/vpds/${a}/reconciliation`, TRUST_A)).statusCode).toBe(200);
    expect((await get(`/v1/vpds/${c}/reconciliation`, TRUST_A)).json()).toMatchObject(forbidden(`VPD ${c}`));
    const search = await post('/v1/credential-searches', { vpd: b, employeeNumber: holders[b][3] }, TRUST_A);
    expect(search.statusCode).toBe(403);
    expect(search.json()).toMatchObject(forbidden(`VPD ${b}`));
    // A malformed VPD is still the validation pipe's 422, not a scope refusal.
    expect((await get('/v1/vpds/9x9/reconciliation', TRUST_A)).json().error).toBe('VALIDATION_FAILED');
  });

  it('should give a scoped ops key sync control and status of its VPD only', async () => {
    const status = (await get('/v1/sync/status', TRUST_A_OPS)).json();
    expect(status.vpds.map((v: { vpd: string }) => v.vpd)).toEqual([a]);
    expect((await get('/v1/sync/status', OPS_KEY)).json().vpds).toHaveLength(3);
    expect((await post('/v1/sync/runs', { mode: 'incremental', vpd: b }, TRUST_A_OPS)).json()).toMatchObject(forbidden(`VPD ${b}`));
    const everyVpd = await post('/v1/sync/runs', { mode: 'incremental' }, TRUST_A_OPS);
    expect(everyVpd.statusCode).toBe(403);
    expect(everyVpd.json().message).toBe(`A run without a vpd syncs every VPD: this API key acts only in VPD ${a}.`);
    expect((await post('/v1/sync/runs', { mode: 'full', vpd: a, dryRun: true }, TRUST_A_OPS)).statusCode).toBe(200);
    const held = await post(`/v1/sync/vpds/${c}/held-removals/approve`, {}, TRUST_A_OPS);
    expect(held.json()).toMatchObject(forbidden(`VPD ${c}`));
  });

  it("should show a scoped ops key a run of every VPD with its VPD's results only, and refuse it a run of another VPD", async () => {
    const coordinator = t.app.get(RunCoordinator);
    const everyVpd = await coordinator.runSync({ mode: 'incremental', trigger: 'api' });
    const elsewhere = await coordinator.runSync({ mode: 'incremental', vpd: b, trigger: 'api' });
    const seen = (await get(`/v1/sync/runs/${everyVpd.runId}`, TRUST_A_OPS)).json();
    expect(seen.vpds.map((v: { vpd: string }) => v.vpd)).toEqual([a]);
    expect((await get(`/v1/sync/runs/${everyVpd.runId}`, OPS_KEY)).json().vpds).toHaveLength(3);
    expect((await get(`/v1/sync/runs/${elsewhere.runId}`, TRUST_A_OPS)).json()).toMatchObject(forbidden(`VPD ${b}`));
  });

  it('should show a scoped ops key only the audit events of its VPDs, and refuse it the webhook deliveries of every VPD', async () => {
    const events = (await get('/v1/audit/events?limit=500', TRUST_A_OPS)).json().items as Array<{ vpd: string | null }>;
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => e.vpd))).toEqual(new Set([a]));
    const all = (await get('/v1/audit/events?limit=500', OPS_KEY)).json().items as Array<{ vpd: string | null }>;
    expect(all.some((e) => e.vpd === b) && all.some((e) => e.vpd === null)).toBe(true);
    const deliveries = await get('/v1/webhooks/deliveries', TRUST_A_OPS);
    expect(deliveries.statusCode).toBe(403);
    expect(deliveries.json().message).toContain(`this API key acts only in VPD ${a}`);
    expect((await get('/v1/webhooks/deliveries', OPS_KEY)).statusCode).toBe(200);
  });

  it('should still refuse a scoped key the routes of a scope it lacks (scope before VPD)', async () => {
    const res = await get(`/v1/sync/status`, TRUST_A);
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toContain("lacks the 'ops' scope");
  });
});

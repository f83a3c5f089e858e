/**
 * An LSA's day with Manage User, end to end on the whole gateway (PostgreSQL, Redis, the ESR sandbox
 * on the gateway's clock): the to-do list with names, a look-up before saving, a save whose answer is
 * right at once, a case-changed id refused as self-mapping, a second person in one VPD refused, a
 * mistyped VPD, an incremental run over the removal guard held and approved by a person, and the
 * access review an information-governance lead exports as CSV. Each step builds on the one before.
 */
import { DataSource } from 'typeorm';
import { FakeClock } from '../../src/common/clock/clock';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';
import { RunningSandbox, startTestSandbox, TEST_ESR_ENV, waitFor } from '../sync/sync-harness';

const VPD = '979';
const LSA = 'lsa.two@trust.nhs.uk';
const IG_LEAD = 'ig.lead@trust.nhs.uk';
const HR = ['hr.one@trust.nhs.uk', 'hr.two@trust.nhs.uk', 'hr.three@trust.nhs.uk'];
const H = 3_600_000;

interface ReconciliationRow {
  kind: string;
  employeeNumber: string;
  displayName: string | null;
  reason: string;
}

describe("An LSA's day with Manage User (PostgreSQL, Redis, ESR sandbox)", () => {
  const clock = new FakeClock(Date.parse('2026-12-07T09:00:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;
  let holder: ReconciliationRow;

  const portal = (actingUser = LSA) => ({ authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': actingUser });
  const ops = (actingUser?: string) => ({ authorization: `Bearer ${OPS_KEY}`, ...(actingUser ? { 'x-acting-user': actingUser } : {}) });
  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);
  const save = (user: string, employeeNumber: string, vpd = VPD, actingUser = LSA) =>
    inject({ method: 'POST', url: `/v1/users/${user}/esr-mappings`, headers: portal(actingUser), payload: { vpd, employeeNumber } });
  const audit = (type: AuditEvent['type']) =>
    t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { type }, order: { id: 'ASC' } });
  const run = async (mode: 'full' | 'incremental') => {
    const { runId } = (await inject({ method: 'POST', url: '/v1/sync/runs', headers: ops(), payload: { vpd: VPD, mode } })).json();
    let body = { state: 'queued' } as { state: string; vpds: { status: string; held: number; added: number }[] };
    await waitFor(async () => {
      body = (await inject({ method: 'GET', url: `/v1/sync/runs/${runId}`, headers: ops() })).json();
      return !['queued', 'running'].includes(body.state);
    }, 30_000);
    return body;
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox(clock);
    t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_VPDS: VPD, ...TEST_ESR_ENV }, clock);
    await expect(run('full')).resolves.toMatchObject({ state: 'succeeded' });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  it('should open the to-do list: role holders nobody is mapped to, each with the name ESR holds', async () => {
    const res = await inject({ method: 'GET', url: `/v1/vpds/${VPD}/reconciliation?kind=UNMAPPED_HOLDER`, headers: portal() });
    expect(res.statusCode).toBe(200);
    const rows = res.json().items as ReconciliationRow[];
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.displayName).toMatch(/^\S+( \S+)+$/);
    holder = rows[0];
    expect(holder.reason).toMatch(/holds the role .* but nobody is mapped to the record/);
    expect(holder.reason).not.toMatch(/has given access/);
  });

  it('should look the holder up before saving: the same name, an active record holding the role, nobody mapped', async () => {
    const res = await inject({ method: 'GET', url: `/v1/vpds/${VPD}/people/${holder.employeeNumber}`, headers: portal() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      vpd: VPD,
      employeeNumber: holder.employeeNumber,
      displayName: holder.displayName,
      active: true,
      role: { held: true },
      mappedTo: null,
    });
    expect(await audit('ESR_RECORD_LOOKUP')).toEqual([expect.objectContaining({ actor: LSA, outcome: 'FOUND' })]);
  });

  it('should save the mapping and answer ACTIVE at once, the name shown', async () => {
    const res = await save(HR[0], holder.employeeNumber);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ verified: true, esrPerson: { displayName: holder.displayName }, access: { state: 'ACTIVE' } });
    const list = await inject({ method: 'GET', url: `/v1/vpds/${VPD}/reconciliation?kind=UNMAPPED_HOLDER`, headers: portal() });
    expect((list.json().items as ReconciliationRow[]).map((r) => r.employeeNumber)).not.toContain(holder.employeeNumber);
  });

  it('should answer PENDING_ACTIVATION with the instant it turns on for a role HR assigned minutes ago, before any sync', async () => {
    const newcomer = sandbox.admin.findPersonWithoutRole(VPD, 0);
    sandbox.admin.assignRole(VPD, newcomer.employeeNumber);
    clock.advance(5 * 60_000);
    const res = await save(HR[1], newcomer.employeeNumber);
    expect(res.statusCode).toBe(201);
    expect(res.json().access).toMatchObject({ state: 'PENDING_ACTIVATION' });
    const access = (await inject({ method: 'GET', url: `/v1/users/${HR[1]}/esr-access`, headers: portal() })).json();
    const from = Date.parse(access.mappings[0].effectiveFrom);
    expect(from - clock.nowMs()).toBeGreaterThan(23 * H);
    expect(from - clock.nowMs()).toBeLessThanOrEqual(24 * H);
  });

  it("should refuse an LSA mapping their own account by changing the id's case", async () => {
    const other = sandbox.admin.findPersonWithoutRole(VPD, 1);
    const res = await save('LSA.Two@Trust.NHS.uk', other.employeeNumber, VPD, LSA);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('FORBIDDEN');
    const access = await inject({ method: 'GET', url: `/v1/users/HR.One@trust.nhs.uk/esr-access`, headers: portal() });
    expect(access.json()).toMatchObject({ portalUserId: HR[0], searchEnabled: true });
  });

  it('should refuse a second person in one VPD for one portal account, naming the first', async () => {
    const second = sandbox.admin.findPersonWithoutRole(VPD, 2);
    const res = await save(HR[0], second.employeeNumber);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'ESR_USER_ALREADY_MAPPED_IN_VPD' });
    expect(res.json().message).toContain(holder.employeeNumber);
  });

  it('should say a mistyped VPD is not served, on saving, looking up and reconciling', async () => {
    const answers = await Promise.all([
      save(HR[2], '30581377', '978'),
      inject({ method: 'GET', url: '/v1/vpds/978/people/30581377', headers: portal() }),
      inject({ method: 'GET', url: '/v1/vpds/978/reconciliation', headers: portal() }),
    ]);
    for (const res of answers)
      expect([res.statusCode, res.json().error, res.json().message]).toEqual([422, 'VPD_NOT_SERVED', expect.stringContaining('978')]);
  });

  it('should hold the removals of an incremental run over the guard, and remove them only when a person approves', async () => {
    const holders = (await inject({ method: 'GET', url: '/v1/sync/status', headers: ops() })).json().vpds[0].holders as number;
    const gone = Array.from({ length: Math.ceil(holders * 0.3) + 1 }, (_, n) => sandbox.admin.findRoleHolder(VPD, n + 10))
      .filter((g) => g.employeeNumber !== holder.employeeNumber)
      .slice(0, Math.ceil(holders * 0.3));
    for (const g of gone) sandbox.admin.deleteRole(g.assignmentId);
    clock.advance(60_000);
    const held = await run('incremental');
    expect(held.vpds[0]).toMatchObject({ status: 'held', held: gone.length });

    const unsigned = await inject({ method: 'POST', url: `/v1/sync/vpds/${VPD}/held-removals/approve`, headers: ops() });
    expect([unsigned.statusCode, unsigned.json().error]).toEqual([422, 'VALIDATION_FAILED']);
    const approved = await inject({
      method: 'POST',
      url: `/v1/sync/vpds/${VPD}/held-removals/approve`,
      headers: ops('ops.lead@trust.nhs.uk'),
    });
    expect(approved.statusCode).toBe(200);
    expect(await audit('SYNC_REMOVALS_APPROVED')).toEqual([expect.objectContaining({ actor: 'ops.lead@trust.nhs.uk' })]);
  });

  it('should export the access review as CSV: every mapping, its state, name and who made it, audited', async () => {
    const res = await inject({ method: 'GET', url: `/v1/vpds/${VPD}/access-review`, headers: { ...ops(IG_LEAD), accept: 'text/csv' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...lines] = res.body.trim().split('\r\n');
    expect(header).toBe('vpd,portalUserId,employeeNumber,displayName,state,since,createdBy,createdAt,lastVerifiedAt');
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.includes(HR[0]))).toContain(`${holder.employeeNumber},${holder.displayName},ACTIVE,`);
    expect(lines.find((l) => l.includes(HR[1]))).toContain('PENDING_ACTIVATION');
    for (const line of lines) expect(line).toContain(LSA);
    expect(await audit('ACCESS_REVIEW_EXPORTED')).toEqual([expect.objectContaining({ actor: IG_LEAD })]);
  });
});

/**
 * The removal guard on incremental runs (gateway-api.md, "Sync"), on the whole gateway: PostgreSQL
 * (audit), Redis (role data) and the ESR sandbox. An incremental run that would remove too many
 * holders holds the removals while its additions apply; later runs' removals join the hold; a
 * decision needs an acting user and is audited with it.
 */
import { DataSource } from 'typeorm';
import { FakeClock } from '../../src/common/clock/clock';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { RoleReads } from '../../src/role-store/role-reads';
import { recordKey } from '../../src/role-store/role.types';
import { OPS_KEY, startTestApp, TestApp } from '../support/test-env';
import { RunningSandbox, startTestSandbox, TEST_ESR_ENV, waitFor } from './sync-harness';

const VPD = '979';
const ops = { authorization: `Bearer ${OPS_KEY}` };
const ACTING = 'ops.lead@trust.nhs.uk';

interface RunBody {
  runId: string;
  state: string;
  vpds: Array<{ mode: string; status: string; added: number; removed: number; held: number; reason?: string }>;
}

describe('Removal guard on incremental runs', () => {
  let sandbox: RunningSandbox;
  let t: TestApp;

  beforeAll(async () => {
    const clock = new FakeClock(Date.parse('2026-11-25T10:00:00Z'));
    sandbox = await startTestSandbox(clock);
    t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_VPDS: VPD, ...TEST_ESR_ENV }, clock);
  });

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);
  const run = async (mode: 'full' | 'incremental'): Promise<RunBody> => {
    const { runId } = (await inject({ method: 'POST', url: '/v1/sync/runs', headers: ops, payload: { vpd: VPD, mode } })).json();
    let body = { state: 'queued' } as RunBody;
    await waitFor(async () => {
      body = (await inject({ method: 'GET', url: `/v1/sync/runs/${runId}`, headers: ops })).json();
      return !['queued', 'running'].includes(body.state);
    });
    return body;
  };
  const status = async () => (await inject({ method: 'GET', url: '/v1/sync/status', headers: ops })).json().vpds[0];
  const holds = async (employeeNumber: string) =>
    ((await t.app.get(RoleReads).readAccess([{ vpd: VPD, employeeNumber }])).roles.get(recordKey(VPD, employeeNumber)) ?? []).length > 0;
  const auditOf = (type: AuditEvent['type']) =>
    t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { type }, order: { id: 'ASC' } });
  const decide = (decision: 'approve' | 'reject', actingUser?: string) =>
    inject({
      method: 'POST',
      url: `/v1/sync/vpds/${VPD}/held-removals/${decision}`,
      headers: actingUser ? { ...ops, 'x-acting-user': actingUser } : ops,
    });

  it('should hold the removals of an incremental run over the guard, apply its addition, and let an acting user approve them', async () => {
    await expect(run('full')).resolves.toMatchObject({ state: 'succeeded' });
    const before = await status();
    const gone = Array.from({ length: 10 }, (_, n) => sandbox.admin.findRoleHolder(VPD, n));
    for (const holder of gone) sandbox.admin.deleteRole(holder.assignmentId);
    const newcomer = sandbox.admin.findPersonWithoutRole(VPD, 0);
    sandbox.admin.assignRole(VPD, newcomer.employeeNumber);
    expect(gone.length * 100).toBeGreaterThan(20 * before.holders);

    const held = await run('incremental');
    expect(held.vpds).toEqual([
      expect.objectContaining({ mode: 'incremental', status: 'held', added: 1, removed: 0, held: 10, reason: 'OVER_PERCENT' }),
    ]);
    expect(await holds(newcomer.employeeNumber)).toBe(true);
    for (const g of gone) expect(await holds(g.employeeNumber)).toBe(true);
    expect(await status()).toMatchObject({
      state: 'HELD',
      heldRemovals: 10,
      heldRun: { runId: held.runId, mode: 'incremental', outcome: 'held', held: 10 },
    });
    expect(await auditOf('SYNC_REMOVALS_HELD')).toEqual([
      expect.objectContaining({
        actor: 'system',
        vpd: VPD,
        details: expect.objectContaining({ count: 10, mode: 'incremental', runId: held.runId }),
      }),
    ]);

    // A later run's removal joins the hold, and the run that held them stays named.
    const another = sandbox.admin.findRoleHolder(VPD, 10);
    sandbox.admin.deleteRole(another.assignmentId);
    const later = await run('incremental');
    expect(later.vpds).toEqual([expect.objectContaining({ status: 'held', held: 1, removed: 0, reason: 'ALREADY_HELD' })]);
    expect(await status()).toMatchObject({ heldRemovals: 11, heldRun: { runId: held.runId }, lastRun: { runId: later.runId } });

    const anonymous = await decide('approve');
    expect(anonymous.statusCode).toBe(422);
    expect(anonymous.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'X-Acting-User' }] });
    expect((await status()).heldRemovals).toBe(11);
    expect(await auditOf('SYNC_REMOVALS_APPROVED')).toEqual([]);

    const approved = await decide('approve', ACTING);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ decision: 'approved', count: 11, removed: 11, heldRunId: held.runId });
    for (const g of [...gone, another]) expect(await holds(g.employeeNumber)).toBe(false);
    expect(await status()).toMatchObject({ state: 'IDLE', heldRemovals: 0, heldRun: null });
    expect(await auditOf('SYNC_REMOVALS_APPROVED')).toEqual([
      expect.objectContaining({
        actor: ACTING,
        apiKeyId: 'ops1',
        vpd: VPD,
        details: expect.objectContaining({ count: 11, heldRunId: held.runId }),
      }),
    ]);
    await expect(run('full')).resolves.toMatchObject({ vpds: [expect.objectContaining({ status: 'succeeded', removed: 0, held: 0 })] });
  });
});

/**
 * The ops sync API (gateway-api.md, "Sync") on the whole gateway: PostgreSQL (audit), Redis, and the
 * ESR sandbox.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { FakeClock } from '../../src/common/clock/clock';
import { LeaseStore } from '../../src/role-store/lease-store';
import { RoleRuns } from '../../src/role-store/role-runs';
import { SyncRunRecord } from '../../src/role-store/sync-records.types';
import { AbandonedRuns } from '../../src/sync/abandoned-runs';
import { RUN_RECORD_TTL_MS, SYNC_LEASE } from '../../src/sync/sync.types';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';
import { RunningSandbox, startTestSandbox, TEST_ESR_ENV, waitFor } from './sync-harness';

const VPD = '979';
const ops = { authorization: `Bearer ${OPS_KEY}` };
const deciding = { ...ops, 'x-acting-user': 'ops.person@nhs.net' };

describe('Sync ops API', () => {
  let clock: FakeClock;
  let sandbox: RunningSandbox;
  let t: TestApp;

  beforeAll(async () => {
    clock = new FakeClock(Date.parse('2026-11-25T10:00:00Z'));
    sandbox = await startTestSandbox(clock);
    t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_VPDS: VPD, SYNC_REMOVAL_GUARD_COUNT: '3', ...TEST_ESR_ENV }, clock);
  });

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);
  const startRun = (payload: object, headers: Record<string, string> = ops) =>
    inject({ method: 'POST', url: '/v1/sync/runs', headers, payload });
  const finished = async (runId: string) => {
    let body: { state: string; runId?: string } = { state: 'queued' };
    await waitFor(async () => {
      body = (await inject({ method: 'GET', url: `/v1/sync/runs/${runId}`, headers: ops })).json();
      return !['queued', 'running'].includes(body.state);
    });
    return body;
  };
  const auditOf = (type: AuditEvent['type']) =>
    t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { type }, order: { id: 'ASC' } });

  it('should need an ops key on every sync route', async () => {
    const routes = [
      { method: 'GET' as const, url: '/v1/sync/status' },
      { method: 'POST' as const, url: '/v1/sync/runs', payload: { mode: 'full' } },
      { method: 'GET' as const, url: '/v1/sync/runs/3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a' },
      { method: 'POST' as const, url: `/v1/sync/vpds/${VPD}/held-removals/approve` },
      { method: 'POST' as const, url: `/v1/sync/vpds/${VPD}/held-removals/reject` },
    ];
    for (const route of routes) {
      expect((await inject({ ...route })).statusCode).toBe(401);
      const res = await inject({ ...route, headers: { authorization: `Bearer ${PORTAL_KEY}` } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toBe('FORBIDDEN');
    }
  });

  it('should run a sync in the background and report it, then show the status', async () => {
    const res = await startRun({ mode: 'incremental' });
    expect(res.statusCode).toBe(202);
    const { runId } = res.json();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const run = await finished(runId);
    expect(run).toMatchObject({
      runId,
      trigger: 'api',
      mode: 'incremental',
      vpd: null,
      state: 'succeeded',
      progress: { vpdsTotal: 1, vpdsDone: 1, currentVpd: null },
      vpds: [{ vpd: VPD, mode: 'full', status: 'succeeded', reason: 'NEVER_SYNCED', added: sandbox.admin.countRoleAssignments(VPD) }],
      reason: null,
    });

    const status = await inject({ method: 'GET', url: '/v1/sync/status', headers: ops });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual({
      leader: null,
      vpds: [
        expect.objectContaining({
          vpd: VPD,
          state: 'IDLE',
          lastAttemptAt: clock.now().toISOString(),
          lastSuccessAt: clock.now().toISOString(),
          lastFullSyncAt: clock.now().toISOString(),
          consecutiveFailures: 0,
          holders: sandbox.admin.countRoleAssignments(VPD),
          active: expect.any(Number),
          pending: expect.any(Number),
          lastRun: expect.objectContaining({
            mode: 'full',
            added: sandbox.admin.countRoleAssignments(VPD),
            updated: 0,
            removed: 0,
            durationMs: expect.any(Number),
          }),
          progress: null,
          heldRemovals: 0,
        }),
      ],
    });
  });

  it('should answer a dry run with what would change, writing nothing', async () => {
    const newcomer = sandbox.admin.findPersonWithoutRole(VPD, 0);
    const assigned = sandbox.admin.assignRole(VPD, newcomer.employeeNumber);
    const before = (await inject({ method: 'GET', url: '/v1/sync/status', headers: ops })).json();
    const res = await startRun({ vpd: VPD, mode: 'incremental', dryRun: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      added: [{ vpd: VPD, assignmentId: assigned.assignmentId, employeeNumber: newcomer.employeeNumber }],
      updated: [],
      removed: [],
    });
    expect((await inject({ method: 'GET', url: '/v1/sync/status', headers: ops })).json()).toEqual(before);
    const run = await finished((await startRun({ vpd: VPD, mode: 'incremental' })).json().runId);
    expect(run).toMatchObject({ state: 'succeeded', vpds: [{ mode: 'incremental', added: 1 }] });
  });

  it('should refuse bad requests with VALIDATION_FAILED and unknown runs with NOT_FOUND', async () => {
    for (const payload of [
      {},
      { mode: 'sometimes' },
      { mode: 'full', vpd: '97' },
      { mode: 'full', vpd: 979 },
      { mode: 'full', extra: 1 },
      { mode: 'full', dryRun: 'yes' },
    ]) {
      const res = await startRun(payload);
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toBe('VALIDATION_FAILED');
    }
    const notServed = await startRun({ mode: 'full', vpd: '123' });
    expect(notServed.statusCode).toBe(422);
    expect(notServed.json().details).toEqual([{ field: 'vpd', message: 'vpd must be one of the VPDs this gateway serves' }]);
    expect((await inject({ method: 'GET', url: '/v1/sync/runs/not-a-run', headers: ops })).statusCode).toBe(422);
    const unknown = await inject({ method: 'GET', url: '/v1/sync/runs/3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a', headers: ops });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe('NOT_FOUND');
    const badVpd = await inject({ method: 'POST', url: '/v1/sync/vpds/97x/held-removals/approve', headers: ops });
    expect(badVpd.statusCode).toBe(422);
    const badActor = await inject({
      method: 'POST',
      url: `/v1/sync/vpds/${VPD}/held-removals/approve`,
      headers: { ...ops, 'x-acting-user': 'bad user!' },
    });
    expect(badActor.statusCode).toBe(422);
  });

  it('should hold mass removals and let ops approve or reject them, audited', async () => {
    const nothing = await inject({ method: 'POST', url: `/v1/sync/vpds/${VPD}/held-removals/approve`, headers: deciding });
    expect(nothing.statusCode).toBe(404);
    expect(nothing.json().error).toBe('NOT_FOUND');

    const gone = Array.from({ length: 10 }, (_, n) => sandbox.admin.findRoleHolder(VPD, 10 + n));
    for (const holder of gone.slice(0, 5)) sandbox.admin.deleteRole(holder.assignmentId);
    let run = await finished((await startRun({ mode: 'full' })).json().runId);
    expect(run).toMatchObject({ state: 'succeeded', vpds: [{ status: 'held', held: 5, removed: 0 }] });
    let status = (await inject({ method: 'GET', url: '/v1/sync/status', headers: ops })).json();
    expect(status.vpds[0]).toMatchObject({
      state: 'HELD',
      heldRemovals: 5,
      lastRun: { held: 5 },
      heldRun: { runId: run.runId, mode: 'full' },
    });
    const heldEvents = await auditOf('SYNC_REMOVALS_HELD');
    expect(heldEvents).toEqual([expect.objectContaining({ actor: 'system', vpd: VPD, details: expect.objectContaining({ count: 5 }) })]);
    expect((await inject({ method: 'GET', url: '/metrics' })).body).toContain('esr_gateway_sync_held_removals{vpd="979"} 5');

    const approve = await inject({
      method: 'POST',
      url: `/v1/sync/vpds/${VPD}/held-removals/approve`,
      headers: { ...ops, 'x-acting-user': 'ops.person@nhs.net', 'x-request-id': 'approve-1' },
    });
    expect(approve.statusCode).toBe(200);
    expect(approve.json()).toEqual({
      vpd: VPD,
      decision: 'approved',
      count: 5,
      removed: 5,
      heldRunId: run.runId,
      heldSince: expect.any(String),
    });
    expect(await auditOf('SYNC_REMOVALS_APPROVED')).toEqual([
      expect.objectContaining({
        actor: 'ops.person@nhs.net',
        apiKeyId: 'ops1',
        callerRequestId: 'approve-1',
        vpd: VPD,
        details: expect.objectContaining({ count: 5 }),
      }),
    ]);
    status = (await inject({ method: 'GET', url: '/v1/sync/status', headers: ops })).json();
    expect(status.vpds[0]).toMatchObject({ state: 'IDLE', heldRemovals: 0 });

    for (const holder of gone.slice(5)) sandbox.admin.deleteRole(holder.assignmentId);
    run = await finished((await startRun({ mode: 'full' })).json().runId);
    expect(run).toMatchObject({ vpds: [{ status: 'held', held: 5 }] });
    const anonymous = await inject({ method: 'POST', url: `/v1/sync/vpds/${VPD}/held-removals/reject`, headers: ops });
    expect(anonymous.statusCode).toBe(422);
    expect(anonymous.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'X-Acting-User' }] });
    const reject = await inject({ method: 'POST', url: `/v1/sync/vpds/${VPD}/held-removals/reject`, headers: deciding });
    expect(reject.statusCode).toBe(200);
    expect(reject.json()).toMatchObject({ vpd: VPD, decision: 'rejected', count: 5, removed: 0, heldRunId: run.runId });
    expect(await auditOf('SYNC_REMOVALS_REJECTED')).toEqual([
      expect.objectContaining({ actor: 'ops.person@nhs.net', apiKeyId: 'ops1', vpd: VPD }),
    ]);
    status = (await inject({ method: 'GET', url: '/v1/sync/status', headers: ops })).json();
    expect(status.vpds[0]).toMatchObject({ state: 'IDLE', heldRemovals: 0 });
    expect((await inject({ method: 'POST', url: `/v1/sync/vpds/${VPD}/held-removals/reject`, headers: deciding })).statusCode).toBe(404);
  });

  it('should publish the sync metrics', async () => {
    const body = (await inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of [
      'esr_gateway_sync_runs_total',
      'esr_gateway_sync_duration_seconds',
      'esr_gateway_sync_items_total',
      'esr_gateway_sync_last_success_timestamp_seconds',
      'esr_gateway_sync_held_removals',
      'esr_gateway_sync_consecutive_failures',
      'esr_gateway_sync_lease_holder',
    ]) {
      expect(body).toContain(`# TYPE ${name} `);
    }
  });

  describe('a run whose replica died', () => {
    const LEASE_TTL_MS = 30_000; // SYNC_LEASE_TTL's default
    const deadRun = (): SyncRunRecord => {
      const at = clock.now().toISOString();
      return {
        runId: randomUUID(),
        trigger: 'schedule',
        mode: 'full',
        vpd: null,
        state: 'running',
        requestedAt: at,
        startedAt: at,
        finishedAt: null,
        holder: 'gateway-dead:1:0000dead',
        heartbeatAt: at,
        progress: { vpdsTotal: 1, vpdsDone: 0, currentVpd: VPD, processed: 40 },
        vpds: [],
        reason: null,
      };
    };
    const getRun = async (runId: string) => (await inject({ method: 'GET', url: `/v1/sync/runs/${runId}`, headers: ops })).json();

    it('should read abandoned, finished when its lease expired, once the lease TTL has passed', async () => {
      const run = deadRun();
      await t.app.get(RoleRuns).saveSyncRun(run, RUN_RECORD_TTL_MS);
      expect(await getRun(run.runId)).toMatchObject({ state: 'running', finishedAt: null });

      clock.advance(LEASE_TTL_MS + 1);
      const read = await getRun(run.runId);
      expect(read).toMatchObject({ state: 'abandoned', reason: 'ABANDONED', progress: { currentVpd: null } });
      const finishedAt = Date.parse(read.finishedAt);
      expect(finishedAt).toBeGreaterThan(Date.parse(run.startedAt as string));
      expect(finishedAt).toBeLessThanOrEqual(Date.parse(run.heartbeatAt as string) + LEASE_TTL_MS);
      await expect(t.app.get(RoleRuns).readSyncRun(run.runId)).resolves.toMatchObject({ state: 'abandoned', finishedAt: read.finishedAt });
    });

    it('should be recorded abandoned by the periodic check when the VPD state still names it running', async () => {
      const run = deadRun();
      const store = t.app.get(RoleRuns);
      const leases = t.app.get(LeaseStore);
      await store.saveSyncRun(run, RUN_RECORD_TTL_MS);
      const lease = (await leases.acquire(SYNC_LEASE, run.holder as string, 60_000))!;
      const at = clock.now().toISOString();
      await store.markSyncStarted(VPD, lease, run.runId, at, {
        runId: run.runId,
        mode: 'full',
        phase: 'listing',
        processed: 0,
        pages: 0,
        startedAt: at,
      });
      await leases.release(lease); // the holder died: nobody renews its lease

      const check = t.app.get(AbandonedRuns);
      await expect(check.check()).resolves.toBe(0);
      clock.advance(LEASE_TTL_MS + 1);
      await expect(check.check()).resolves.toBe(1);
      await expect(store.readSyncRun(run.runId)).resolves.toMatchObject({
        state: 'abandoned',
        finishedAt: new Date(Date.parse(at) + LEASE_TTL_MS).toISOString(),
      });
      await expect(check.check()).resolves.toBe(0);
      const status = (await inject({ method: 'GET', url: '/v1/sync/status', headers: ops })).json();
      expect(status.vpds[0]).toMatchObject({ state: 'FAILED', lastError: 'ABANDONED' });
      expect(await finished((await startRun({ mode: 'full' })).json().runId)).toMatchObject({ state: 'succeeded' });
    });
  });
});

/**
 * The role sync against the real Redis (a fresh key prefix per test) and the ESR sandbox.
 */
import { displayNameOf } from '../../src/domain/display-name';
import Redis from 'ioredis';
import { FakeClock } from '../../src/common/clock/clock';
import { NotFoundError } from '../../src/common/errors/domain-error';
import { StaleFenceError } from '../../src/role-store/lease-store';
import { RedisConnection } from '../../src/role-store/redis-connection';
import { RoleReads } from '../../src/role-store/role-reads';
import { AccessSnapshot, RecordKey, recordKey } from '../../src/role-store/role.types';
import { SYNC_LEASE } from '../../src/sync/sync.types';
import { toCachedRole } from '../../src/sync/role-window';
import { createTestRedisPrefix, REDIS_URL } from '../support/test-env';
import { RunningSandbox, startSyncHarness, startTestSandbox, SyncHarness, waitFor } from './sync-harness';

const START = Date.parse('2026-11-25T10:00:00Z');
const DAY = 24 * 3_600_000;
const VPD = '979';

describe('role sync (Redis and the ESR sandbox)', () => {
  let clock: FakeClock;
  let sandbox: RunningSandbox;
  let redisPrefix: ReturnType<typeof createTestRedisPrefix>;
  let harnesses: SyncHarness[];
  let extraSandboxes: RunningSandbox[];
  let raw: Redis;

  const start = async (env: Record<string, string> = {}, esr: RunningSandbox = sandbox): Promise<SyncHarness> => {
    const harness = await startSyncHarness({ esrBaseUrl: esr.url, clock, redis: { url: REDIS_URL, prefix: redisPrefix.prefix }, env });
    harnesses.push(harness);
    return harness;
  };

  beforeAll(async () => {
    raw = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    raw.disconnect();
  });

  beforeEach(async () => {
    clock = new FakeClock(START);
    sandbox = await startTestSandbox(clock);
    redisPrefix = createTestRedisPrefix();
    harnesses = [];
    extraSandboxes = [];
  });

  afterEach(async () => {
    for (const harness of harnesses) await harness.close().catch(() => undefined);
    for (const extra of [sandbox, ...extraSandboxes]) await extra.close();
    await redisPrefix.cleanup();
  });

  const holders = (vpd = VPD, count = 10, from = 0) =>
    Array.from({ length: count }, (_, n) => sandbox.admin.findRoleHolder(vpd, from + n)).filter((h) =>
      sandbox.admin.getRoleAssignment(h.assignmentId),
    );
  const keysOf = (employeeNumbers: string[], vpd = VPD): RecordKey[] => employeeNumbers.map((employeeNumber) => ({ vpd, employeeNumber }));
  const roleIds = (snapshot: AccessSnapshot, employeeNumber: string, vpd = VPD): string[] =>
    (snapshot.roles.get(recordKey(vpd, employeeNumber)) ?? []).map((r) => r.assignmentId).sort();
  /** The generations of a VPD whose rows are in Redis, and the dry runs' lists of assignments seen left there. */
  const generationKeys = async (vpd = VPD): Promise<Set<string>> => {
    const base = `${redisPrefix.prefix}sync:vpd:${vpd}:`;
    const found = new Set<string>();
    for (const [generation, slot] of Object.entries(await raw.hgetall(`${base}gens`))) {
      if ((await raw.exists(`${base}s${slot}:rows`, `${base}s${slot}:aidx`)) > 0) found.add(generation);
    }
    for (const key of await raw.keys(`${base}seen:*`)) found.add(key.slice(`${base}seen:`.length));
    return found;
  };
  const meta = async (store: RoleReads, vpd = VPD) => (await store.readVpdSync([vpd], clock.nowMs())).get(vpd);
  /** The latest fencing token issued for the sync lease, read straight from Redis. */
  const currentFence = async (): Promise<number> => Number((await raw.get(`${redisPrefix.prefix}lease:${SYNC_LEASE}:fence`)) ?? 0);

  it('should sync every VPD ESR lists in full, then apply only the changes incrementally', async () => {
    const h = await start();
    const first = await h.sync.runs.runSync({ mode: 'incremental' });
    expect(first.status).toBe('succeeded');
    const vpds = sandbox.admin
      .vpds()
      .map((v) => v.vpd)
      .sort();
    expect(first.vpds.map((v) => [v.vpd, v.mode, v.reason])).toEqual(vpds.map((vpd) => [vpd, 'full', 'NEVER_SYNCED']));
    for (const result of first.vpds) expect(result.added).toBe(sandbox.admin.countRoleAssignments(result.vpd));

    const established = sandbox.admin.fixture('established');
    const cached = await h.store.readAccess(keysOf([established.employeeNumber]));
    const esrRows = sandbox.admin.roleAssignmentsOf(VPD, established.employeeNumber);
    expect(cached.roles.get(recordKey(VPD, established.employeeNumber))).toEqual(
      expect.arrayContaining(
        esrRows.map((row) =>
          toCachedRole(
            {
              ...row,
              personActive: row.person.active,
              systemPersonType: row.person.systemPersonType,
              displayName: displayNameOf(row.person),
            },
            h.access.activationDelayMs,
          ),
        ),
      ),
    );

    const [ended, deleted, leaver] = holders(VPD, 3, 5);
    const newcomer = sandbox.admin.findPersonWithoutRole(VPD, 0);
    clock.advance(60_000);
    const assigned = sandbox.admin.assignRole(VPD, newcomer.employeeNumber);
    sandbox.admin.endDateRole(ended.assignmentId, '2026-12-31');
    sandbox.admin.deleteRole(deleted.assignmentId);
    sandbox.admin.deactivatePerson(VPD, leaver.employeeNumber);
    const before = (await meta(h.store))?.watermark;

    const second = await h.sync.runs.runSync({ mode: 'incremental' });
    const home = second.vpds.find((v) => v.vpd === VPD);
    expect(home).toMatchObject({ mode: 'incremental', status: 'succeeded', added: 1, updated: 2, removed: 1, held: 0 });
    expect(second.vpds.filter((v) => v.vpd !== VPD).every((v) => v.added + v.updated + v.removed === 0)).toBe(true);
    expect((await meta(h.store))?.watermark).not.toBe(before);

    const after = await h.store.readAccess(
      keysOf([newcomer.employeeNumber, ended.employeeNumber, deleted.employeeNumber, leaver.employeeNumber]),
    );
    const fresh = after.roles.get(recordKey(VPD, newcomer.employeeNumber))?.[0];
    expect(fresh).toMatchObject({
      assignmentId: assigned.assignmentId,
      effectiveFrom: new Date(clock.nowMs() + DAY).toISOString(),
      personActive: true,
    });
    expect(after.roles.get(recordKey(VPD, ended.employeeNumber))?.[0]).toMatchObject({
      endDate: '2026-12-31',
      effectiveUntil: '2027-01-01T00:00:00.000Z',
    });
    expect(after.roles.has(recordKey(VPD, deleted.employeeNumber))).toBe(false);
    expect(after.roles.get(recordKey(VPD, leaver.employeeNumber))?.every((r) => !r.personActive)).toBe(true);

    const status = await h.sync.status.status();
    const home979 = status.vpds.find((v) => v.vpd === VPD);
    expect(home979).toMatchObject({
      state: 'IDLE',
      consecutiveFailures: 0,
      lastRun: { mode: 'incremental', added: 1, updated: 2, removed: 1 },
    });
    expect(home979?.pending).toBeGreaterThanOrEqual(1);

    const third = await h.sync.runs.runSync({ mode: 'incremental', vpd: VPD });
    expect(third.vpds).toEqual([expect.objectContaining({ vpd: VPD, mode: 'incremental', added: 0, updated: 0, removed: 0 })]);

    const metrics = await h.metrics.registry.metrics();
    expect(metrics).toContain('esr_gateway_sync_runs_total{vpd="979",mode="incremental",outcome="succeeded"} 2');
    expect(metrics).toContain('esr_gateway_sync_items_total{vpd="979",mode="incremental",kind="removed"} 1');
    expect(metrics).toMatch(/esr_gateway_sync_last_success_timestamp_seconds\{vpd="979"\} \d+/);
    expect(metrics).toContain('esr_gateway_sync_lease_holder 0');
  });

  it('should fall back to a full run when ESR no longer knows the watermark (410)', async () => {
    const h = await start({ ESR_VPDS: VPD });
    await h.sync.runs.runSync({ mode: 'full' });
    clock.advance(8 * DAY);
    const outcome = await h.sync.runs.runSync({ mode: 'incremental' });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.vpds).toEqual([expect.objectContaining({ vpd: VPD, mode: 'full', reason: 'WATERMARK_EXPIRED', status: 'succeeded' })]);
    const after = await meta(h.store);
    expect(after?.lastFullSyncAt).toBe(new Date(clock.nowMs()).toISOString());
    await expect(h.sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
      vpds: [expect.objectContaining({ mode: 'incremental' })],
    });
  });

  it('should hold mass removals while additions apply, then remove them on approval', async () => {
    const h = await start({ ESR_VPDS: VPD });
    await h.sync.runs.runSync({ mode: 'full' });
    const gone = holders(VPD, 10);
    for (const holder of gone) sandbox.admin.deleteRole(holder.assignmentId);
    const newcomer = sandbox.admin.findPersonWithoutRole(VPD, 0);
    sandbox.admin.assignRole(VPD, newcomer.employeeNumber);

    const outcome = await h.sync.runs.runSync({ mode: 'full' });
    expect(outcome.vpds).toEqual([
      expect.objectContaining({ status: 'held', held: gone.length, removed: 0, added: 1, reason: 'OVER_PERCENT' }),
    ]);
    const keys = keysOf([...gone.map((g) => g.employeeNumber), newcomer.employeeNumber]);
    const held = await h.store.readAccess(keys);
    expect(held.vpds.get(VPD)?.state).toBe('HELD');
    for (const g of gone) expect(roleIds(held, g.employeeNumber)).toContain(g.assignmentId);
    expect(held.roles.has(recordKey(VPD, newcomer.employeeNumber))).toBe(true);
    expect(await h.sync.status.status()).toMatchObject({ vpds: [expect.objectContaining({ state: 'HELD', heldRemovals: gone.length })] });
    expect(h.audit.events).toEqual([
      expect.objectContaining({
        type: 'SYNC_REMOVALS_HELD',
        actor: 'system',
        vpd: VPD,
        details: expect.objectContaining({ count: gone.length, reason: 'OVER_PERCENT' }),
      }),
    ]);
    expect(await h.metrics.registry.metrics()).toContain(`esr_gateway_sync_held_removals{vpd="979"} ${gone.length}`);

    // Incremental runs go on while removals are held; the hold stays.
    await expect(h.sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({ status: 'succeeded' });
    expect((await meta(h.store))?.heldRemovals).toBe(gone.length);

    const decision = await h.sync.held.approve(VPD, { actingUser: 'ops.person@nhs.net', apiKeyId: 'ops1', requestId: 'req-1' });
    expect(decision).toEqual({
      vpd: VPD,
      decision: 'approved',
      count: gone.length,
      removed: gone.length,
      heldRunId: outcome.runId,
      heldSince: expect.any(String),
    });
    const approved = await h.store.readAccess(keys);
    expect(approved.vpds.get(VPD)?.state).toBe('IDLE');
    for (const g of gone) expect(approved.roles.has(recordKey(VPD, g.employeeNumber))).toBe(false);
    expect(h.audit.events[1]).toMatchObject({
      type: 'SYNC_REMOVALS_APPROVED',
      actor: 'ops.person@nhs.net',
      apiKeyId: 'ops1',
      vpd: VPD,
      details: { count: gone.length, heldRunId: outcome.runId },
    });
    await expect(h.sync.held.approve(VPD, { actingUser: 'ops.lead@trust.nhs.uk', apiKeyId: 'ops1' })).rejects.toBeInstanceOf(NotFoundError);
    // The next full run agrees with the data: nothing to hold any more.
    await expect(h.sync.runs.runSync({ mode: 'full' })).resolves.toMatchObject({
      vpds: [expect.objectContaining({ status: 'succeeded', removed: 0, held: 0 })],
    });
  });

  it('should keep the rows when held removals are rejected', async () => {
    const h = await start({ ESR_VPDS: VPD, SYNC_REMOVAL_GUARD_COUNT: '3', SYNC_REMOVAL_GUARD_PERCENT: '100' });
    await h.sync.runs.runSync({ mode: 'full' });
    const gone = holders(VPD, 4);
    for (const holder of gone) sandbox.admin.deleteRole(holder.assignmentId);
    await expect(h.sync.runs.runSync({ mode: 'full' })).resolves.toMatchObject({
      vpds: [expect.objectContaining({ status: 'held', reason: 'OVER_COUNT' })],
    });
    const decision = await h.sync.held.reject(VPD, { actingUser: 'ops.lead@trust.nhs.uk', apiKeyId: 'ops1' });
    expect(decision).toMatchObject({ vpd: VPD, decision: 'rejected', count: gone.length, removed: 0 });
    const kept = await h.store.readAccess(keysOf(gone.map((g) => g.employeeNumber)));
    expect(kept.vpds.get(VPD)?.state).toBe('IDLE');
    expect(kept.roles.size).toBe(gone.length);
    expect(h.audit.events.at(-1)).toMatchObject({
      type: 'SYNC_REMOVALS_REJECTED',
      actor: 'ops.lead@trust.nhs.uk',
      apiKeyId: 'ops1',
      vpd: VPD,
    });
    await expect(h.sync.held.reject(VPD, { actingUser: 'ops.lead@trust.nhs.uk', apiKeyId: 'ops1' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('should apply incremental deletes at once when the removal guard allows them', async () => {
    const h = await start({ ESR_VPDS: VPD, SYNC_REMOVAL_GUARD_PERCENT: '100' });
    await h.sync.runs.runSync({ mode: 'full' });
    const gone = holders(VPD, 10);
    for (const holder of gone) sandbox.admin.deleteRole(holder.assignmentId);
    await expect(h.sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
      vpds: [expect.objectContaining({ mode: 'incremental', status: 'succeeded', removed: gone.length })],
    });
    expect((await meta(h.store))?.heldRemovals).toBe(0);
  });

  it('should hold the removals when ESR lists no holders for a VPD that had some', async () => {
    const other = sandbox.admin.vpds().find((v) => v.vpd !== VPD)?.vpd as string;
    const h = await start({ ESR_VPDS: other, SYNC_REMOVAL_GUARD_PERCENT: '100' });
    await h.sync.runs.runSync({ mode: 'full' });
    const slots = sandbox.admin.generatedRoleSlots(other);
    for (let n = 0; n < slots; n++) {
      const holder = sandbox.admin.findRoleHolder(other, n);
      if (sandbox.admin.getRoleAssignment(holder.assignmentId)) sandbox.admin.deleteRole(holder.assignmentId);
    }
    expect(sandbox.admin.countRoleAssignments(other)).toBe(0);
    const outcome = await h.sync.runs.runSync({ mode: 'full' });
    expect(outcome.vpds).toEqual([expect.objectContaining({ status: 'held', reason: 'ZERO_LISTED' })]);
    expect((await meta(h.store, other))?.counts?.holders).toBe(outcome.vpds[0]?.held);
  });

  it('should show readers the old or the new data, never a mix, while a slow full run streams', async () => {
    const h = await start({ ESR_VPDS: VPD, ESR_PAGE_SIZE: '4', SYNC_REMOVAL_GUARD_PERCENT: '100' });
    await h.sync.runs.runSync({ mode: 'full' });
    const changed = holders(VPD, 9);
    const newcomers = [0, 1, 2].map((n) => sandbox.admin.findPersonWithoutRole(VPD, n));
    for (const p of newcomers) sandbox.admin.assignRole(VPD, p.employeeNumber);
    for (const g of changed.slice(0, 3)) sandbox.admin.deleteRole(g.assignmentId);
    for (const g of changed.slice(3, 6)) sandbox.admin.endDateRole(g.assignmentId, '2027-01-31');
    for (const g of changed.slice(6, 9)) sandbox.admin.deactivatePerson(VPD, g.employeeNumber);
    const keys = keysOf([...changed, ...newcomers].map((p) => p.employeeNumber));
    const view = async (): Promise<string> => {
      const s = await h.store.readAccess(keys);
      return JSON.stringify({ at: s.vpds.get(VPD)?.lastFullSyncAt, roles: [...s.roles.entries()].sort() });
    };
    const old = await view();
    clock.advance(60_000);
    sandbox.admin.setFaults({ latencyMs: 40 });

    const seen = new Set<string>();
    let reads = 0;
    const run = h.sync.runs.runSync({ mode: 'full' });
    let done = false;
    void run.finally(() => {
      done = true;
    });
    while (!done) {
      seen.add(await view());
      reads++;
    }
    const outcome = await run;
    expect(outcome.vpds[0]).toMatchObject({ status: 'succeeded', added: 3, removed: 3 });
    expect(outcome.vpds[0]?.updated).toBeGreaterThanOrEqual(6);
    const fresh = await view();
    expect(fresh).not.toBe(old);
    expect(reads).toBeGreaterThan(20);
    seen.delete(old);
    seen.delete(fresh);
    expect([...seen]).toEqual([]);
  });

  it('should keep serving the previous data when ESR fails part way, then recover', async () => {
    const h = await start({ ESR_VPDS: VPD, ESR_PAGE_SIZE: '4' });
    await h.sync.runs.runSync({ mode: 'full' });
    const liveBefore = (await meta(h.store))?.generation as string;
    const everyone = holders(VPD, 12);
    const keys = keysOf(everyone.map((p) => p.employeeNumber));
    const before = await h.store.readAccess(keys);
    sandbox.admin.deleteRole(everyone[0].assignmentId);
    sandbox.admin.setFaults({ latencyMs: 40 });

    const run = h.sync.runs.runSync({ mode: 'full' });
    await waitFor(async () => ((await meta(h.store))?.progress?.pages ?? 0) >= 2);
    sandbox.admin.setFaults({ errorRate: 1 });
    const outcome = await run;
    expect(outcome.status).toBe('failed');
    expect(outcome.vpds[0]).toMatchObject({ status: 'failed', error: 'ESR_UNAVAILABLE' });
    const after = await h.store.readAccess(keys);
    expect([...after.roles.entries()].sort()).toEqual([...before.roles.entries()].sort());
    expect(after.vpds.get(VPD)?.state).toBe('FAILED');
    expect(await meta(h.store)).toMatchObject({
      generation: liveBefore,
      building: null,
      consecutiveFailures: 1,
      lastError: 'ESR_UNAVAILABLE',
    });
    expect([...(await generationKeys())]).toEqual([liveBefore]);
    expect(await h.metrics.registry.metrics()).toContain('esr_gateway_sync_consecutive_failures{vpd="979"} 1');

    sandbox.admin.clearFaults();
    await expect(h.sync.runs.runSync({ mode: 'full' })).resolves.toMatchObject({
      status: 'succeeded',
      vpds: [expect.objectContaining({ removed: 1 })],
    });
    expect(await meta(h.store)).toMatchObject({ consecutiveFailures: 0, lastOutcome: 'succeeded' });
  });

  it('should lose nothing when a syncing process dies mid-run, and the next run completes', async () => {
    const a = await start({ ESR_VPDS: VPD, ESR_PAGE_SIZE: '4', SYNC_LEASE_TTL: 'PT1S' });
    await a.sync.runs.runSync({ mode: 'full' });
    const live = (await meta(a.store))?.generation as string;
    const everyone = holders(VPD, 12);
    const keys = keysOf(everyone.map((p) => p.employeeNumber));
    const before = await a.store.readAccess(keys);
    sandbox.admin.deleteRole(everyone[0].assignmentId);
    const newcomer = sandbox.admin.findPersonWithoutRole(VPD, 0);
    sandbox.admin.assignRole(VPD, newcomer.employeeNumber);
    sandbox.admin.setFaults({ latencyMs: 40 });

    const dying = a.sync.runs.runSync({ mode: 'full' });
    await waitFor(async () => ((await meta(a.store))?.progress?.pages ?? 0) >= 3);
    (a.redis as RedisConnection).redis.disconnect(); // the process "dies": no clean-up, no lease release
    sandbox.admin.clearFaults();
    expect((await generationKeys()).size).toBe(2); // the live generation and the half-built one

    const b = await start({ ESR_VPDS: VPD, ESR_PAGE_SIZE: '4', SYNC_LEASE_TTL: 'PT1S' });
    const during = await b.store.readAccess(keys);
    expect([...during.roles.entries()].sort()).toEqual([...before.roles.entries()].sort());
    expect((await b.sync.status.status()).vpds[0]).toMatchObject({ state: expect.stringMatching(/RUNNING|FAILED/) });

    const outcome = await b.sync.runs.runSync({ mode: 'full', waitForLeaseMs: 5000 });
    expect(outcome.vpds[0]).toMatchObject({ status: 'succeeded', added: 1, removed: 1 });
    const next = (await meta(b.store))?.generation as string;
    expect(next).not.toBe(live);
    expect([...(await generationKeys())]).toEqual([next]);
    const after = await b.store.readAccess(keysOf([everyone[0].employeeNumber, newcomer.employeeNumber]));
    expect(after.roles.has(recordKey(VPD, everyone[0].employeeNumber))).toBe(false);
    expect(after.roles.has(recordKey(VPD, newcomer.employeeNumber))).toBe(true);
    await expect(dying).resolves.toMatchObject({ status: 'failed' });
  });

  it('should run one sync at a time across two instances sharing one Redis', async () => {
    const a = await start({ ESR_VPDS: VPD, ESR_PAGE_SIZE: '8' });
    const b = await start({ ESR_VPDS: VPD, ESR_PAGE_SIZE: '8' });
    sandbox.admin.setFaults({ latencyMs: 30 });
    const [first, second] = await Promise.all([a.sync.runs.runSync({ mode: 'full' }), b.sync.runs.runSync({ mode: 'full' })]);
    expect([first.status, second.status].sort()).toEqual(['skipped', 'succeeded']);
    const skippedBy = first.status === 'skipped' ? a : b;
    expect(await skippedBy.metrics.registry.metrics()).toContain('esr_gateway_sync_runs_total{vpd="all",mode="full",outcome="skipped"} 1');

    const runA = a.sync.runs.runSync({ mode: 'full' });
    await waitFor(async () => (await a.leases.holder(SYNC_LEASE)) !== null);
    expect((await b.sync.status.status()).leader).toBe(a.sync.lease.holderId);
    const runB = b.sync.runs.runSync({ mode: 'full', waitForLeaseMs: 20_000 });
    const [doneA, doneB] = await Promise.all([runA, runB]);
    expect([doneA.status, doneB.status]).toEqual(['succeeded', 'succeeded']);
    const [recordA, recordB] = await Promise.all([a.sync.runs.getRun(doneA.runId), b.sync.runs.getRun(doneB.runId)]);
    expect(recordB.holder).toBe(b.sync.lease.holderId);
    expect(Date.parse(recordB.startedAt as string)).toBeGreaterThanOrEqual(Date.parse(recordA.finishedAt as string));
  });

  it('should refuse the writes of a replica whose lease was taken over (stale fencing token)', async () => {
    const slow = await startTestSandbox(clock);
    extraSandboxes.push(slow);
    const paused = await start({ ESR_VPDS: VPD }, slow);
    const current = await start({ ESR_VPDS: VPD });
    slow.admin.setFaults({ latencyMs: 1500 });

    const stale = paused.sync.runs.runSync({ mode: 'full' });
    await waitFor(async () => (await paused.leases.holder(SYNC_LEASE)) === paused.sync.lease.holderId);
    const staleFence = await currentFence();
    await raw.del(`${redisPrefix.prefix}lease:${SYNC_LEASE}`); // its lease ran out while it was paused
    await expect(current.sync.runs.runSync({ mode: 'full' })).resolves.toMatchObject({ status: 'succeeded' });
    const afterCurrent = await meta(current.store);

    await expect(stale).resolves.toMatchObject({ status: 'failed', vpds: [expect.objectContaining({ error: 'CONFLICT' })] });
    expect(await meta(current.store)).toMatchObject({
      generation: afterCurrent?.generation,
      watermark: afterCurrent?.watermark,
      lastOutcome: 'succeeded',
      consecutiveFailures: 0,
    });
    await expect(paused.generations.beginGeneration(VPD, { name: SYNC_LEASE, fence: staleFence })).rejects.toBeInstanceOf(StaleFenceError);
    await expect(currentFence()).resolves.toBeGreaterThan(staleFence);
  });

  it('should keep a record refreshed during a full run across the switch', async () => {
    const h = await start({ ESR_VPDS: VPD, ESR_PAGE_SIZE: '4' });
    await h.sync.runs.runSync({ mode: 'full' });
    sandbox.admin.setFaults({ latencyMs: 40 });
    const run = h.sync.runs.runSync({ mode: 'full' });
    await waitFor(async () => ((await meta(h.store))?.progress?.pages ?? 0) >= 2);
    // Assigned after the listing's snapshot: the full run cannot see it.
    const late = sandbox.admin.findPersonWithoutRole(VPD, 0);
    const assigned = sandbox.admin.assignRole(VPD, late.employeeNumber);
    sandbox.admin.setFaults({ latencyMs: 0 });
    await h.sync.refresher.refreshRecords(VPD, [late.employeeNumber]);
    expect(roleIds(await h.store.readAccess(keysOf([late.employeeNumber])), late.employeeNumber)).toEqual([assigned.assignmentId]);
    await expect(run).resolves.toMatchObject({ status: 'succeeded' });
    expect(roleIds(await h.store.readAccess(keysOf([late.employeeNumber])), late.employeeNumber)).toEqual([assigned.assignmentId]);
    await expect(h.sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
      vpds: [expect.objectContaining({ added: 0, removed: 0 })],
    });
    expect(roleIds(await h.store.readAccess(keysOf([late.employeeNumber])), late.employeeNumber)).toEqual([assigned.assignmentId]);
  });

  it('should refresh records on demand, and not at all for a VPD never synced', async () => {
    const h = await start({ ESR_VPDS: VPD });
    const person = sandbox.admin.findPersonWithoutRole(VPD, 0);
    await h.sync.refresher.refreshRecords(VPD, [person.employeeNumber]);
    expect((await h.store.readAccess(keysOf([person.employeeNumber]))).vpds.size).toBe(0);
    await h.sync.runs.runSync({ mode: 'full' });
    const assigned = sandbox.admin.assignRole(VPD, person.employeeNumber);
    const ended = holders(VPD, 1)[0];
    sandbox.admin.deleteRole(ended.assignmentId);
    await h.sync.refresher.refreshRecords(VPD, [person.employeeNumber, ended.employeeNumber, person.employeeNumber]);
    const snapshot = await h.store.readAccess(keysOf([person.employeeNumber, ended.employeeNumber]));
    expect(roleIds(snapshot, person.employeeNumber)).toEqual([assigned.assignmentId]);
    expect(snapshot.roles.has(recordKey(VPD, ended.employeeNumber))).toBe(false);
    // The change feed brings the same changes: nothing is counted twice.
    await expect(h.sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
      vpds: [expect.objectContaining({ added: 0, updated: 0, removed: 0 })],
    });
  });

  it('should list what a dry run would change and write nothing', async () => {
    const h = await start({ ESR_VPDS: VPD });
    await h.sync.runs.runSync({ mode: 'full' });
    const [gone, changed] = holders(VPD, 2);
    const newcomer = sandbox.admin.findPersonWithoutRole(VPD, 0);
    const assigned = sandbox.admin.assignRole(VPD, newcomer.employeeNumber);
    sandbox.admin.deleteRole(gone.assignmentId);
    sandbox.admin.endDateRole(changed.assignmentId, '2027-03-31');
    const metaBefore = await meta(h.store);

    for (const mode of ['incremental', 'full'] as const) {
      const dry = await h.sync.dryRun.dryRun({ mode });
      expect(dry).toMatchObject({
        mode,
        added: [{ vpd: VPD, assignmentId: assigned.assignmentId, employeeNumber: newcomer.employeeNumber }],
        updated: [{ vpd: VPD, assignmentId: changed.assignmentId, employeeNumber: changed.employeeNumber }],
        removed: [{ vpd: VPD, assignmentId: gone.assignmentId, employeeNumber: gone.employeeNumber }],
        counts: { added: 1, updated: 1, removed: 1 },
        truncated: false,
        vpds: [expect.objectContaining({ vpd: VPD, mode, wouldHoldRemovals: false })],
      });
    }
    expect(await meta(h.store)).toEqual(metaBefore);
    expect((await generationKeys()).size).toBe(1);
  });
});

/**
 * The contract the stores of each backend meet together: the role data's ports (reads, runs,
 * generations, changes), the lease store, the rate counter and their health (the role data's writes
 * are fenced by the lease store's tokens). Run against the in-process stores by
 * src/role-store/memory-stores.spec.ts and against a real Redis by redis-stores.e2e-spec.ts.
 */
import type { EsrRoleAssignment } from '../../src/esr/esr.types';
import { FenceToken, Lease, StaleFenceError } from '../../src/role-store/lease-store';
import { GenerationMismatchError } from '../../src/role-store/role-generations';
import { CachedRole, recordKey } from '../../src/role-store/role.types';
import type { Stores } from '../../src/role-store/stores';
import { SyncCommit, SyncLastRun, SyncProgress, SyncRunRecord } from '../../src/role-store/sync-records.types';
import { toCachedRole } from '../../src/sync/role-window';

export interface ContractSubject {
  stores: Stores;
  /** Lets `ms` pass for the store (a fake clock for the memory store, a real wait for Redis). */
  advance(ms: number): Promise<void>;
  /** The store's notion of now (ms). */
  now(): number;
  close(): Promise<void>;
}

const H = 3_600_000;
let sequence = 0;
/** A VPD code of its own for every test, so tests sharing a Redis prefix do not meet. */
const freshVpd = (): string => String(100 + (sequence++ % 900)).padStart(3, '0');
const freshName = (label: string): string => `${label}-${Date.now().toString(36)}-${sequence++}`;

const at = (ms: number): string => new Date(ms).toISOString();

export function role(assignmentId: string, employeeNumber: string, createdAtMs: number, over: Partial<EsrRoleAssignment> = {}): CachedRole {
  const created = at(createdAtMs);
  return toCachedRole(
    {
      assignmentId,
      vpd: '979',
      employeeNumber,
      roleName: 'Digital Passport Administrator',
      roleCategory: 'NHS Supplementary Role',
      effectiveStartDate: '2020-01-01',
      effectiveEndDate: null,
      createdAt: created,
      lastUpdatedAt: created,
      personActive: true,
      systemPersonType: 'EMP',
      displayName: null,
      ...over,
    },
    24 * H,
  );
}

const lastRun = (mode: 'full' | 'incremental', over: Partial<SyncLastRun> = {}): SyncLastRun => ({
  runId: 'run-1',
  mode,
  outcome: 'succeeded',
  added: 0,
  updated: 0,
  removed: 0,
  held: 0,
  durationMs: 1,
  finishedAt: '2026-11-25T10:00:00.000Z',
  ...over,
});

const commit = (watermark: string, over: Partial<SyncCommit> = {}): SyncCommit => ({
  watermark,
  at: '2026-11-25T10:00:00.000Z',
  lastRun: lastRun('full'),
  ...over,
});

const progress = (over: Partial<SyncProgress> = {}): SyncProgress => ({
  runId: 'run-1',
  mode: 'full',
  phase: 'listing',
  processed: 0,
  pages: 0,
  startedAt: '2026-11-25T10:00:00.000Z',
  ...over,
});

export function storesContract(name: string, create: () => Promise<ContractSubject>): void {
  describe(`${name} (role store, lease store and rate counter contract)`, () => {
    let subject: ContractSubject;
    let reads: Stores['reads'];
    let runs: Stores['runs'];
    let generations: Stores['generations'];
    let changes: Stores['changes'];
    let health: Stores['health'];
    let leases: Stores['leases'];
    let rates: Stores['rates'];

    beforeEach(async () => {
      subject = await create();
      ({ reads, runs, generations, changes, health, leases, rates } = subject.stores);
    });

    afterEach(async () => {
      await subject.close();
    });

    /** Takes a fresh lease so its fence is current. */
    const lease = async (): Promise<Lease> => {
      const taken = await leases.acquire(freshName('sync'), 'test-holder', 60_000);
      if (!taken) throw new Error('could not take a fresh lease');
      return taken;
    };

    /** Builds and switches to a generation holding `roles`; returns its id. */
    const fullSync = async (vpd: string, fence: FenceToken, roles: CachedRole[], watermark = 'w1', held = false): Promise<string> => {
      const { generation } = await generations.beginGeneration(vpd, fence);
      if (roles.length > 0) await generations.writeGeneration(vpd, generation, roles, fence, subject.now());
      const previous = await generations.commitGeneration(vpd, generation, fence, { ...commit(watermark), held });
      if (previous) await generations.dropGeneration(vpd, previous);
      return generation;
    };

    describe('generic', () => {
      it('should answer ping', async () => {
        await expect(health.ping()).resolves.toBeUndefined();
      });

      it('should count hits in a fixed window and start again after it', async () => {
        const key = freshName('hits');
        await expect(rates.hit(key, 300)).resolves.toMatchObject({ count: 1 });
        const second = await rates.hit(key, 300);
        expect(second.count).toBe(2);
        expect(second.resetMs).toBeGreaterThan(0);
        expect(second.resetMs).toBeLessThanOrEqual(300);
        await subject.advance(350);
        await expect(rates.hit(key, 300)).resolves.toMatchObject({ count: 1 });
      });

      it('should give a lease to one holder at a time with increasing fencing tokens', async () => {
        const name = freshName('lease');
        const first = await leases.acquire(name, 'a', 200);
        expect(first).not.toBeNull();
        await expect(leases.acquire(name, 'b', 200)).resolves.toBeNull();
        await expect(leases.holder(name)).resolves.toBe('a');
        await subject.advance(260);
        await expect(leases.holder(name)).resolves.toBeNull();
        const second = await leases.acquire(name, 'b', 200);
        expect(second?.fence).toBeGreaterThan(first?.fence as number);
      });

      it('should renew and release a lease only with its own token', async () => {
        const name = freshName('lease');
        const held = (await leases.acquire(name, 'a', 300)) as Lease;
        const forged: Lease = { ...held, token: 'not-the-token' };
        await expect(leases.renew(forged, 300)).resolves.toBe(false);
        await expect(leases.renew(held, 600)).resolves.toBe(true);
        await subject.advance(400);
        await expect(leases.holder(name)).resolves.toBe('a');
        await leases.release(forged);
        await expect(leases.holder(name)).resolves.toBe('a');
        await leases.release(held);
        await expect(leases.holder(name)).resolves.toBeNull();
        await expect(leases.renew(held, 300)).resolves.toBe(false);
      });

      it('should give the first lease ever taken under a name fencing token 1', async () => {
        await expect(leases.acquire(freshName('never'), 'a', 200)).resolves.toMatchObject({ fence: 1 });
      });
    });

    describe('role data', () => {
      const t0 = Date.parse('2026-11-20T10:00:00Z');

      it('should answer nothing for a VPD never synced', async () => {
        const vpd = freshVpd();
        const snapshot = await reads.readAccess([{ vpd, employeeNumber: '10000001' }]);
        expect(snapshot.vpds.size).toBe(0);
        expect(snapshot.roles.size).toBe(0);
        const status = (await reads.readVpdSync([vpd], subject.now())).get(vpd);
        expect(status).toMatchObject({ generation: null, counts: null, consecutiveFailures: 0 });
      });

      it('should serve a committed generation with its sync state in one read', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        const a = role('a1', '10000001', t0);
        const b = role('b1', '10000002', t0);
        const b2 = role('b2', '10000002', t0, { effectiveStartDate: '2020-02-01' });
        await fullSync(vpd, fence, [a, b, b2], 'wm-1');
        const snapshot = await reads.readAccess([
          { vpd, employeeNumber: '10000001' },
          { vpd, employeeNumber: '10000002' },
          { vpd, employeeNumber: '10000003' },
          { vpd: freshVpd(), employeeNumber: '10000001' },
        ]);
        expect(snapshot.vpds.get(vpd)).toEqual({
          vpd,
          state: 'IDLE',
          lastSuccessAt: '2026-11-25T10:00:00.000Z',
          lastFullSyncAt: '2026-11-25T10:00:00.000Z',
        });
        expect(snapshot.vpds.size).toBe(1);
        expect(snapshot.roles.get(recordKey(vpd, '10000001'))).toEqual([a]);
        expect(snapshot.roles.get(recordKey(vpd, '10000002'))).toEqual(expect.arrayContaining([b, b2]));
        expect(snapshot.roles.has(recordKey(vpd, '10000003'))).toBe(false);
        const meta = (await reads.readVpdSync([vpd], subject.now())).get(vpd);
        expect(meta).toMatchObject({ watermark: 'wm-1', lastOutcome: 'succeeded', building: null, heldRemovals: 0 });
        expect(meta?.counts).toEqual({ holders: 3, people: 2, active: 3, pending: 0 });
        await expect(reads.knownSyncVpds()).resolves.toContain(vpd);
      });

      it('should count pending, active and ended assignments at the instant asked', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        const now = subject.now();
        const fresh = role('p1', '10000001', now); // effective 24 h from now
        const ending = role('e1', '10000002', now - 10 * 24 * H, { effectiveEndDate: '2099-12-31' });
        const ended = role('e2', '10000003', now - 10 * 24 * H, { effectiveEndDate: '2020-06-30' });
        const inactive = role('i1', '10000004', now - 10 * 24 * H, { personActive: false });
        await fullSync(vpd, fence, [fresh, ending, ended, inactive]);
        const counts = async (ms: number) => (await reads.readVpdSync([vpd], ms)).get(vpd)?.counts;
        await expect(counts(now)).resolves.toEqual({ holders: 4, people: 4, active: 1, pending: 1 });
        await expect(counts(now + 25 * H)).resolves.toEqual({ holders: 4, people: 4, active: 2, pending: 0 });
      });

      it('should keep serving the old generation while a new one is built', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0)], 'wm-1');
        const { generation } = await generations.beginGeneration(vpd, fence);
        await generations.writeGeneration(vpd, generation, [role('a2', '10000001', t0), role('c1', '10000003', t0)], fence, subject.now());
        const during = await reads.readAccess([
          { vpd, employeeNumber: '10000001' },
          { vpd, employeeNumber: '10000003' },
        ]);
        expect(during.roles.get(recordKey(vpd, '10000001'))?.map((r) => r.assignmentId)).toEqual(['a1']);
        expect(during.roles.has(recordKey(vpd, '10000003'))).toBe(false);
        await generations.commitGeneration(vpd, generation, fence, { ...commit('wm-2'), held: false });
        const after = await reads.readAccess([
          { vpd, employeeNumber: '10000001' },
          { vpd, employeeNumber: '10000003' },
        ]);
        expect(after.roles.get(recordKey(vpd, '10000001'))?.map((r) => r.assignmentId)).toEqual(['a2']);
        expect(after.roles.get(recordKey(vpd, '10000003'))?.map((r) => r.assignmentId)).toEqual(['c1']);
      });

      it('should diff a new generation against the live one', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0), role('b1', '10000002', t0), role('c1', '10000003', t0)]);
        const { generation } = await generations.beginGeneration(vpd, fence);
        const diff = await generations.writeGeneration(
          vpd,
          generation,
          [role('a1', '10000001', t0), role('b1', '10000002', t0, { effectiveEndDate: '2030-01-01' }), role('d1', '10000004', t0)],
          fence,
          subject.now(),
        );
        expect(diff).toEqual({ added: 1, updated: 1, unchanged: 1, skipped: 0 });
        const removed = [];
        let cursor = '0';
        do {
          const page = await generations.scanRemovals(vpd, generation, cursor, 1);
          removed.push(...page.removed);
          cursor = page.cursor;
        } while (cursor !== '0');
        expect(removed).toEqual([{ assignmentId: 'c1', employeeNumber: '10000003' }]);
      });

      it('should hold removals, keep serving those rows, then apply them on approval', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0), role('b1', '10000002', t0), role('c1', '10000003', t0)]);
        const { generation } = await generations.beginGeneration(vpd, fence);
        await generations.writeGeneration(vpd, generation, [role('a1', '10000001', t0)], fence, subject.now());
        await expect(generations.holdRemovals(vpd, generation, ['b1', 'c1', 'zz'], fence, subject.now())).resolves.toBe(2);
        await generations.commitGeneration(vpd, generation, fence, { ...commit('wm-2'), held: true });
        const keys = ['10000001', '10000002', '10000003'].map((employeeNumber) => ({ vpd, employeeNumber }));
        const held = await reads.readAccess(keys);
        expect(held.vpds.get(vpd)?.state).toBe('HELD');
        expect(held.roles.size).toBe(3);
        expect((await reads.readVpdSync([vpd], subject.now())).get(vpd)).toMatchObject({ heldRemovals: 2, watermark: 'wm-2' });
        await expect(generations.approveHeldRemovals(vpd, fence, 1)).resolves.toEqual({ removed: 1, remaining: 1 });
        await expect(generations.approveHeldRemovals(vpd, fence, 10)).resolves.toEqual({ removed: 1, remaining: 0 });
        const approved = await reads.readAccess(keys);
        expect(approved.vpds.get(vpd)?.state).toBe('IDLE');
        expect([...approved.roles.keys()]).toEqual([recordKey(vpd, '10000001')]);
      });

      it('should keep the rows and clear the hold on rejection', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0), role('b1', '10000002', t0)]);
        const { generation } = await generations.beginGeneration(vpd, fence);
        await generations.holdRemovals(vpd, generation, ['a1', 'b1'], fence, subject.now());
        await generations.commitGeneration(vpd, generation, fence, { ...commit('wm-2'), held: true });
        await expect(generations.rejectHeldRemovals(vpd, fence)).resolves.toBe(2);
        const after = await reads.readVpdSync([vpd], subject.now());
        expect(after.get(vpd)).toMatchObject({ heldRemovals: 0, heldSince: null });
        expect(after.get(vpd)?.counts?.holders).toBe(2);
        await expect(generations.rejectHeldRemovals(vpd, fence)).resolves.toBe(0);
      });

      it('should refuse every write made with a stale fencing token and change nothing', async () => {
        const vpd = freshVpd();
        const name = freshName('sync');
        const old = (await leases.acquire(name, 'paused', 100)) as Lease;
        await fullSync(vpd, old, [role('a1', '10000001', t0)], 'wm-1');
        const { generation } = await generations.beginGeneration(vpd, old);
        await subject.advance(150);
        const current = (await leases.acquire(name, 'new', 60_000)) as Lease;
        expect(current.fence).toBeGreaterThan(old.fence);
        const now = subject.now();
        await expect(generations.writeGeneration(vpd, generation, [role('x1', '10000009', t0)], old, now)).rejects.toBeInstanceOf(
          StaleFenceError,
        );
        await expect(generations.commitGeneration(vpd, generation, old, { ...commit('wm-stale'), held: false })).rejects.toBeInstanceOf(
          StaleFenceError,
        );
        await expect(generations.beginGeneration(vpd, old)).rejects.toBeInstanceOf(StaleFenceError);
        await expect(
          changes.applyChanges(
            vpd,
            old,
            null,
            [{ op: 'delete', assignmentId: 'a1' }],
            now,
            commit('wm-stale', { lastRun: lastRun('incremental') }),
          ),
        ).rejects.toBeInstanceOf(StaleFenceError);
        await expect(changes.stageChanges(vpd, 'stage-1', [{ op: 'delete', assignmentId: 'a1' }], old, 60_000)).rejects.toBeInstanceOf(
          StaleFenceError,
        );
        await expect(runs.markSyncStarted(vpd, old, 'run-x', at(now), progress())).rejects.toBeInstanceOf(StaleFenceError);
        await expect(runs.reportSyncProgress(vpd, old, progress())).rejects.toBeInstanceOf(StaleFenceError);
        await expect(runs.markSyncFailed(vpd, old, at(now), 'boom', lastRun('full', { outcome: 'failed' }))).rejects.toBeInstanceOf(
          StaleFenceError,
        );
        await expect(generations.holdRemovals(vpd, generation, ['a1'], old, now)).rejects.toBeInstanceOf(StaleFenceError);
        await expect(generations.approveHeldRemovals(vpd, old, 10)).rejects.toBeInstanceOf(StaleFenceError);
        await expect(generations.rejectHeldRemovals(vpd, old)).rejects.toBeInstanceOf(StaleFenceError);
        const meta = (await reads.readVpdSync([vpd], now)).get(vpd);
        expect(meta).toMatchObject({ watermark: 'wm-1', running: null, consecutiveFailures: 0 });
        const snapshot = await reads.readAccess([{ vpd, employeeNumber: '10000001' }]);
        expect(snapshot.roles.get(recordKey(vpd, '10000001'))?.map((r) => r.assignmentId)).toEqual(['a1']);
        await expect(generations.writeGeneration(vpd, generation, [role('x1', '10000009', t0)], current, now)).resolves.toMatchObject({
          added: 1,
        });
      });

      it('should refuse to write into or switch to a generation that is no longer being built', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        const first = await generations.beginGeneration(vpd, fence);
        const second = await generations.beginGeneration(vpd, fence);
        expect(second.dropped).toBe(1);
        await expect(
          generations.writeGeneration(vpd, first.generation, [role('a1', '10000001', t0)], fence, subject.now()),
        ).rejects.toBeInstanceOf(GenerationMismatchError);
        await expect(generations.commitGeneration(vpd, first.generation, fence, { ...commit('w'), held: false })).rejects.toBeInstanceOf(
          GenerationMismatchError,
        );
        await expect(generations.commitGeneration(vpd, second.generation, fence, { ...commit('w'), held: false })).resolves.toBeNull();
      });

      it('should drop a generation left by a crashed run when the next one begins, never the live one', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        const live = await fullSync(vpd, fence, [role('a1', '10000001', t0)]);
        const orphan = await generations.beginGeneration(vpd, fence);
        await generations.writeGeneration(vpd, orphan.generation, [role('o1', '10000005', t0)], fence, subject.now());
        const next = await generations.beginGeneration(vpd, fence);
        expect(next.dropped).toBe(1);
        await generations.dropGeneration(vpd, live);
        await generations.dropGeneration(vpd, next.generation);
        const snapshot = await reads.readAccess([{ vpd, employeeNumber: '10000001' }]);
        expect(snapshot.roles.get(recordKey(vpd, '10000001'))?.map((r) => r.assignmentId)).toEqual(['a1']);
        await generations.commitGeneration(vpd, next.generation, fence, { ...commit('w2'), held: false });
        const after = await reads.readAccess([{ vpd, employeeNumber: '10000005' }]);
        expect(after.roles.size).toBe(0);
      });

      it('should drop the generation being built only with a current fencing token', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0)]);
        const { generation } = await generations.beginGeneration(vpd, fence);
        await generations.writeGeneration(vpd, generation, [role('b1', '10000002', t0)], fence, subject.now());
        const building = async () => (await reads.readVpdSync([vpd], subject.now())).get(vpd)?.building;
        await generations.dropGeneration(vpd, generation);
        await expect(building()).resolves.toBe(generation);
        await generations.dropGeneration(vpd, generation, { name: fence.name, fence: fence.fence - 1 });
        await expect(building()).resolves.toBe(generation);
        await generations.dropGeneration(vpd, generation, fence);
        await expect(building()).resolves.toBeNull();
        await expect(
          generations.writeGeneration(vpd, generation, [role('c1', '10000003', t0)], fence, subject.now()),
        ).rejects.toBeInstanceOf(GenerationMismatchError);
        const snapshot = await reads.readAccess([{ vpd, employeeNumber: '10000001' }]);
        expect(snapshot.roles.get(recordKey(vpd, '10000001'))?.map((r) => r.assignmentId)).toEqual(['a1']);
      });

      it('should read each record once however often it is asked for', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0)]);
        const snapshot = await reads.readAccess([
          { vpd, employeeNumber: '10000001' },
          { vpd, employeeNumber: '10000001' },
        ]);
        expect(snapshot.roles.get(recordKey(vpd, '10000001'))).toHaveLength(1);
        await expect(reads.readAccess([])).resolves.toEqual({ vpds: new Map(), roles: new Map() });
      });

      it('should apply staged and inline changes in order with the watermark', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        const a1 = role('a1', '10000001', t0);
        await fullSync(vpd, fence, [a1, role('b1', '10000002', t0), role('c1', '10000003', t0)], 'wm-1');
        const stage = freshName('stage');
        const later = Date.parse('2026-11-21T10:00:00Z');
        await changes.stageChanges(
          vpd,
          stage,
          [
            { op: 'upsert', role: role('d1', '10000004', t0) },
            { op: 'delete', assignmentId: 'b1' },
            { op: 'upsert', role: role('c1', '10000003', t0, { effectiveEndDate: '2030-01-01', lastUpdatedAt: at(later) }) },
          ],
          fence,
          60_000,
        );
        const diff = await changes.applyChanges(
          vpd,
          fence,
          stage,
          [
            { op: 'delete', assignmentId: 'd1' },
            { op: 'upsert', role: role('d1', '10000004', t0, { effectiveStartDate: '2021-01-01', lastUpdatedAt: at(later) }) },
            { op: 'upsert', role: role('a1', '10000001', t0) },
          ],
          subject.now(),
          commit('wm-2', { lastRun: lastRun('incremental') }),
        );
        expect(diff).toEqual({ added: 2, updated: 1, removed: 2, unchanged: 1, held: 0 });
        const snapshot = await reads.readAccess(
          ['10000001', '10000002', '10000003', '10000004'].map((employeeNumber) => ({ vpd, employeeNumber })),
        );
        expect(snapshot.roles.has(recordKey(vpd, '10000002'))).toBe(false);
        expect(snapshot.roles.get(recordKey(vpd, '10000003'))?.[0]?.endDate).toBe('2030-01-01');
        expect(snapshot.roles.get(recordKey(vpd, '10000004'))?.[0]?.startDate).toBe('2021-01-01');
        expect((await reads.readVpdSync([vpd], subject.now())).get(vpd)).toMatchObject({
          watermark: 'wm-2',
          lastRun: { mode: 'incremental' },
        });
      });

      it('should not let an older version of a row overwrite a newer one', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        const newer = role('a1', '10000001', t0, { effectiveEndDate: '2030-01-01', lastUpdatedAt: '2026-11-22T10:00:00Z' });
        await fullSync(vpd, fence, [newer]);
        const older = role('a1', '10000001', t0, { lastUpdatedAt: '2026-11-21T10:00:00Z' });
        await expect(
          changes.applyChanges(vpd, fence, null, [{ op: 'upsert', role: older }], subject.now(), commit('wm-2')),
        ).resolves.toEqual({ added: 0, updated: 0, removed: 0, unchanged: 1, held: 0 });
        const snapshot = await reads.readAccess([{ vpd, employeeNumber: '10000001' }]);
        expect(snapshot.roles.get(recordKey(vpd, '10000001'))?.[0]?.endDate).toBe('2030-01-01');
      });

      it("should keep the holder's display name, count a changed name as an update, and keep none where ESR sent none", async () => {
        const vpd = freshVpd();
        const fence = await lease();
        const named = role('a1', '10000001', t0, { displayName: 'Miss Ella Jones' });
        const nameless = role('b1', '10000002', t0);
        await fullSync(vpd, fence, [named, nameless]);
        const keys = ['10000001', '10000002'].map((employeeNumber) => ({ vpd, employeeNumber }));
        const first = await reads.readAccess(keys);
        expect(first.roles.get(recordKey(vpd, '10000001'))).toEqual([named]);
        expect(first.roles.get(recordKey(vpd, '10000001'))?.[0]?.displayName).toBe('Miss Ella Jones');
        expect(first.roles.get(recordKey(vpd, '10000002'))).toEqual([nameless]);
        expect(first.roles.get(recordKey(vpd, '10000002'))?.[0]).not.toHaveProperty('displayName');
        const renamed = role('a1', '10000001', t0, { displayName: 'Mrs Ella Smith' });
        await expect(
          changes.applyChanges(
            vpd,
            fence,
            null,
            [
              { op: 'upsert', role: renamed },
              { op: 'upsert', role: nameless },
            ],
            subject.now(),
            commit('wm-2'),
          ),
        ).resolves.toEqual({ added: 0, updated: 1, removed: 0, unchanged: 1, held: 0 });
        const { generation } = await generations.beginGeneration(vpd, fence);
        await expect(
          generations.writeGeneration(
            vpd,
            generation,
            [renamed, role('b1', '10000002', t0, { displayName: 'Mr Wei Chen' })],
            fence,
            subject.now(),
          ),
        ).resolves.toEqual({ added: 0, updated: 1, unchanged: 1, skipped: 0 });
        await generations.commitGeneration(vpd, generation, fence, { ...commit('wm-3'), held: false });
        const after = await reads.readAccess(keys);
        expect(after.roles.get(recordKey(vpd, '10000001'))?.[0]?.displayName).toBe('Mrs Ella Smith');
        expect(after.roles.get(recordKey(vpd, '10000002'))?.[0]?.displayName).toBe('Mr Wei Chen');
      });

      it('should move a row when an upsert changes its employee number', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0)]);
        await changes.applyChanges(vpd, fence, null, [{ op: 'upsert', role: role('a1', '10000002', t0) }], subject.now(), commit('wm-2'));
        const snapshot = await reads.readAccess(['10000001', '10000002'].map((employeeNumber) => ({ vpd, employeeNumber })));
        expect([...snapshot.roles.keys()]).toEqual([recordKey(vpd, '10000002')]);
        expect((await reads.readVpdSync([vpd], subject.now())).get(vpd)?.counts).toMatchObject({ holders: 1, people: 1 });
      });

      it('should withdraw a held removal when the incremental feed deletes or re-lists the row', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0), role('b1', '10000002', t0), role('c1', '10000003', t0)]);
        const { generation } = await generations.beginGeneration(vpd, fence);
        await generations.holdRemovals(vpd, generation, ['a1', 'b1'], fence, subject.now());
        await generations.writeGeneration(vpd, generation, [role('c1', '10000003', t0)], fence, subject.now());
        await generations.commitGeneration(vpd, generation, fence, { ...commit('wm-2'), held: true });
        await changes.applyChanges(vpd, fence, null, [{ op: 'delete', assignmentId: 'a1' }], subject.now(), commit('wm-3'));
        expect((await reads.readVpdSync([vpd], subject.now())).get(vpd)?.heldRemovals).toBe(1);
        await changes.applyChanges(vpd, fence, null, [{ op: 'upsert', role: role('b1', '10000002', t0) }], subject.now(), commit('wm-4'));
        const meta = (await reads.readVpdSync([vpd], subject.now())).get(vpd);
        expect(meta).toMatchObject({ heldRemovals: 0, heldSince: null });
        expect(meta?.counts?.holders).toBe(2);
      });

      it("should hold the deletes of live rows with holdRemovals, keeping an unbroken hold's start and run", async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [
          role('a1', '10000001', t0),
          role('b1', '10000002', t0),
          role('c1', '10000003', t0),
          role('d1', '10000004', t0),
        ]);
        const held = (runId: string, at: string) => ({
          ...commit(runId, { at, lastRun: lastRun('incremental', { runId }) }),
          holdRemovals: true,
        });
        const first = [
          { op: 'delete' as const, assignmentId: 'a1' },
          { op: 'upsert' as const, role: role('e1', '10000005', t0) },
          { op: 'delete' as const, assignmentId: 'e1' },
          { op: 'upsert' as const, role: role('b1', '10000002', t0) },
        ];
        await expect(
          changes.applyChanges(vpd, fence, null, first, subject.now(), held('run-2', '2026-11-25T10:00:00.000Z')),
        ).resolves.toEqual({
          added: 1,
          updated: 0,
          removed: 1,
          unchanged: 1,
          held: 1,
        });
        const meta = async () => (await reads.readVpdSync([vpd], subject.now())).get(vpd);
        expect(await meta()).toMatchObject({
          heldRemovals: 1,
          heldSince: '2026-11-25T10:00:00.000Z',
          heldRun: { runId: 'run-2', mode: 'incremental', outcome: 'held', held: 1 },
          lastRun: { runId: 'run-2', outcome: 'held' },
          counts: { holders: 4 },
        });
        const second = [
          { op: 'delete' as const, assignmentId: 'c1' },
          { op: 'delete' as const, assignmentId: 'a1' },
        ];
        await expect(
          changes.applyChanges(vpd, fence, null, second, subject.now(), held('run-3', '2026-11-25T10:05:00.000Z')),
        ).resolves.toMatchObject({
          removed: 0,
          held: 1,
        });
        expect(await meta()).toMatchObject({
          heldRemovals: 2,
          heldSince: '2026-11-25T10:00:00.000Z',
          heldRun: { runId: 'run-2' },
          lastRun: { runId: 'run-3' },
        });
        await changes.applyChanges(
          vpd,
          fence,
          null,
          [{ op: 'upsert', role: role('a1', '10000001', t0) }],
          subject.now(),
          held('run-4', '2026-11-25T10:10:00.000Z'),
        );
        expect(await meta()).toMatchObject({ heldRemovals: 1, heldSince: '2026-11-25T10:00:00.000Z', heldRun: { runId: 'run-2' } });
        const { generation } = await generations.beginGeneration(vpd, fence);
        await generations.writeGeneration(
          vpd,
          generation,
          [role('a1', '10000001', t0), role('b1', '10000002', t0), role('d1', '10000004', t0)],
          fence,
          subject.now(),
        );
        await generations.holdRemovals(vpd, generation, ['c1'], fence, subject.now());
        await generations.commitGeneration(vpd, generation, fence, {
          ...commit('wm-5', { lastRun: lastRun('full', { runId: 'run-5' }) }),
          held: true,
        });
        expect(await meta()).toMatchObject({ heldRemovals: 1, heldSince: '2026-11-25T10:00:00.000Z', heldRun: { runId: 'run-2' } });
        await generations.approveHeldRemovals(vpd, fence, 10);
        expect(await meta()).toMatchObject({ heldRemovals: 0, heldSince: null, heldRun: null, counts: { holders: 3 } });
      });

      it('should withdraw the held removals of people a refresh read again from ESR', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0), role('b1', '10000002', t0), role('c1', '10000003', t0)]);
        const { generation } = await generations.beginGeneration(vpd, fence);
        await generations.holdRemovals(vpd, generation, ['a1', 'b1'], fence, subject.now());
        await generations.writeGeneration(vpd, generation, [role('c1', '10000003', t0)], fence, subject.now());
        await generations.commitGeneration(vpd, generation, fence, { ...commit('wm-2'), held: true });
        const seq = (await reads.readVpdSync([vpd], subject.now())).get(vpd)?.seq as number;
        // ESR, asked again, still lists a1: its removal must not stay held (approving would delete it).
        await expect(
          changes.replaceRecords(vpd, [{ employeeNumber: '10000001', roles: [role('a1', '10000001', t0)] }], seq, subject.now()),
        ).resolves.toBe('applied');
        expect((await reads.readVpdSync([vpd], subject.now())).get(vpd)).toMatchObject({ heldRemovals: 1 });
        await expect(generations.approveHeldRemovals(vpd, fence, 10)).resolves.toEqual({ removed: 1, remaining: 0 });
        const snapshot = await reads.readAccess(['10000001', '10000002'].map((employeeNumber) => ({ vpd, employeeNumber })));
        expect([...snapshot.roles.keys()]).toEqual([recordKey(vpd, '10000001')]);
      });

      it('should not carry into the switch a held removal of a person refreshed while building', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0), role('b1', '10000002', t0), role('c1', '10000003', t0)]);
        const { generation } = await generations.beginGeneration(vpd, fence);
        await generations.writeGeneration(vpd, generation, [role('c1', '10000003', t0)], fence, subject.now());
        await expect(generations.holdRemovals(vpd, generation, ['a1', 'b1'], fence, subject.now())).resolves.toBe(2);
        const seq = (await reads.readVpdSync([vpd], subject.now())).get(vpd)?.seq as number;
        await expect(
          changes.replaceRecords(vpd, [{ employeeNumber: '10000001', roles: [role('a1', '10000001', t0)] }], seq, subject.now()),
        ).resolves.toBe('applied');
        await generations.commitGeneration(vpd, generation, fence, { ...commit('wm-2'), held: true });
        expect((await reads.readVpdSync([vpd], subject.now())).get(vpd)).toMatchObject({ heldRemovals: 1 });
        await expect(generations.approveHeldRemovals(vpd, fence, 10)).resolves.toEqual({ removed: 1, remaining: 0 });
        const snapshot = await reads.readAccess(['10000001', '10000002'].map((employeeNumber) => ({ vpd, employeeNumber })));
        expect([...snapshot.roles.keys()]).toEqual([recordKey(vpd, '10000001')]);
      });

      it('should record run state: running, failed with a count, and success resetting it', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        const now = subject.now();
        await runs.markSyncStarted(vpd, fence, 'run-1', at(now), progress());
        let meta = (await reads.readVpdSync([vpd], now)).get(vpd);
        expect(meta).toMatchObject({ running: 'run-1', lastAttemptAt: at(now), progress: { phase: 'listing' } });
        await runs.reportSyncProgress(vpd, fence, progress({ processed: 500, pages: 1 }));
        await expect(runs.markSyncFailed(vpd, fence, at(now), 'ESR_UNAVAILABLE', lastRun('full', { outcome: 'failed' }))).resolves.toBe(1);
        await expect(runs.markSyncFailed(vpd, fence, at(now), 'ESR_UNAVAILABLE', lastRun('full', { outcome: 'failed' }))).resolves.toBe(2);
        meta = (await reads.readVpdSync([vpd], now)).get(vpd);
        expect(meta).toMatchObject({
          running: null,
          progress: null,
          lastOutcome: 'failed',
          lastError: 'ESR_UNAVAILABLE',
          consecutiveFailures: 2,
        });
        await fullSync(vpd, fence, [role('a1', '10000001', t0)]);
        meta = (await reads.readVpdSync([vpd], now)).get(vpd);
        expect(meta).toMatchObject({ lastOutcome: 'succeeded', consecutiveFailures: 0, lastError: null });
      });

      it('should refresh people in the live generation unless the live data changed since it was read', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await expect(changes.replaceRecords(vpd, [{ employeeNumber: '10000001', roles: [] }], 0, subject.now())).resolves.toBe(
          'not-synced',
        );
        await fullSync(vpd, fence, [role('a1', '10000001', t0), role('a2', '10000001', t0), role('b1', '10000002', t0)]);
        const seq = (await reads.readVpdSync([vpd], subject.now())).get(vpd)?.seq as number;
        await expect(
          changes.replaceRecords(
            vpd,
            [{ employeeNumber: '10000001', roles: [role('a2', '10000001', t0), role('a3', '10000001', t0)] }],
            seq - 1,
            subject.now(),
          ),
        ).resolves.toBe('conflict');
        await expect(
          changes.replaceRecords(
            vpd,
            [
              { employeeNumber: '10000001', roles: [role('a2', '10000001', t0), role('a3', '10000001', t0)] },
              { employeeNumber: '10000002', roles: [] },
            ],
            seq,
            subject.now(),
          ),
        ).resolves.toBe('applied');
        const snapshot = await reads.readAccess(['10000001', '10000002'].map((employeeNumber) => ({ vpd, employeeNumber })));
        expect(
          snapshot.roles
            .get(recordKey(vpd, '10000001'))
            ?.map((r) => r.assignmentId)
            .sort(),
        ).toEqual(['a2', 'a3']);
        expect(snapshot.roles.has(recordKey(vpd, '10000002'))).toBe(false);
      });

      it('should keep a refresh made during a full run across the switch', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0)]);
        const { generation } = await generations.beginGeneration(vpd, fence);
        const seq = (await reads.readVpdSync([vpd], subject.now())).get(vpd)?.seq as number;
        const fresh = role('a9', '10000001', t0, { lastUpdatedAt: '2026-11-24T10:00:00Z' });
        await expect(changes.replaceRecords(vpd, [{ employeeNumber: '10000001', roles: [fresh] }], seq, subject.now())).resolves.toBe(
          'applied',
        );
        // The listing page read before the refresh still had the old row: it must not win.
        const diff = await generations.writeGeneration(
          vpd,
          generation,
          [role('a1', '10000001', t0), role('b1', '10000002', t0)],
          fence,
          subject.now(),
        );
        expect(diff).toMatchObject({ added: 1, skipped: 1 });
        await generations.commitGeneration(vpd, generation, fence, { ...commit('wm-2'), held: false });
        const snapshot = await reads.readAccess(['10000001', '10000002'].map((employeeNumber) => ({ vpd, employeeNumber })));
        expect(snapshot.roles.get(recordKey(vpd, '10000001'))?.map((r) => r.assignmentId)).toEqual(['a9']);
        expect(snapshot.roles.get(recordKey(vpd, '10000002'))?.map((r) => r.assignmentId)).toEqual(['b1']);
      });

      it("should look up live rows and compare a dry run's scratch list without touching the live data", async () => {
        const vpd = freshVpd();
        const fence = await lease();
        const a1 = role('a1', '10000001', t0);
        await fullSync(vpd, fence, [a1, role('b1', '10000002', t0)]);
        const found = await reads.lookupRoles(vpd, ['a1', 'zz']);
        expect([...found.entries()]).toEqual([['a1', a1]]);
        const scratch = freshName('dry');
        await generations.markSeen(vpd, scratch, [{ assignmentId: 'a1', employeeNumber: '10000001' }], 60_000);
        const { removed, cursor } = await generations.scanRemovals(vpd, scratch, '0', 100);
        expect(cursor).toBe('0');
        expect(removed).toEqual([{ assignmentId: 'b1', employeeNumber: '10000002' }]);
        await generations.dropGeneration(vpd, scratch);
        expect((await reads.readVpdSync([vpd], subject.now())).get(vpd)?.counts?.holders).toBe(2);
      });

      it('should discard staged changes of an abandoned run', async () => {
        const vpd = freshVpd();
        const fence = await lease();
        await fullSync(vpd, fence, [role('a1', '10000001', t0)]);
        await changes.stageChanges(vpd, 'abandoned', [{ op: 'delete', assignmentId: 'a1' }], fence, 60_000);
        await changes.discardStage(vpd, 'abandoned');
        await expect(changes.applyChanges(vpd, fence, 'abandoned', [], subject.now(), commit('wm-2'))).resolves.toEqual({
          added: 0,
          updated: 0,
          removed: 0,
          unchanged: 0,
          held: 0,
        });
      });

      it('should keep run records until their time to live ends', async () => {
        const run: SyncRunRecord = {
          runId: freshName('run'),
          trigger: 'api',
          mode: 'full',
          vpd: null,
          state: 'running',
          requestedAt: at(subject.now()),
          startedAt: null,
          finishedAt: null,
          holder: 'h',
          progress: { vpdsTotal: 1, vpdsDone: 0, currentVpd: null, processed: 0 },
          vpds: [],
          reason: null,
        };
        await runs.saveSyncRun(run, 200);
        await expect(runs.readSyncRun(run.runId)).resolves.toEqual(run);
        await expect(runs.readSyncRun('unknown-run')).resolves.toBeNull();
        await subject.advance(260);
        await expect(runs.readSyncRun(run.runId)).resolves.toBeNull();
      });
    });
  });
}

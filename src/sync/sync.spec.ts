import { Logger } from '@nestjs/common';
import type { NewAuditEvent } from '../audit/audit.service';
import { FakeClock } from '../common/clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { validateEnvironment } from '../config/env.schema';
import { settingsFrom } from '../config/settings/settings';
import type { EsrClient } from '../esr/esr.client';
import { EsrUnavailableError, EsrWatermarkExpiredError } from '../esr/esr.errors';
import type { EsrPage, EsrRoleAssignment, EsrRoleChange, EsrVpd } from '../esr/esr.types';
import { MetricsService } from '../metrics/metrics.service';
import type { MemoryLeaseStore } from '../role-store/memory-lease-store';
import { recordKey } from '../role-store/role.types';
import { memoryStores, MemoryStores } from '../role-store/stores';
import { startSandbox } from '../sandbox/sandbox.server';
import { MAX_INCREMENTAL_CHANGES } from './incremental-sync';
import { SyncModule } from './sync.module';
import { SYNC_LEASE, SyncOptions } from './sync.types';
import { startSyncHarness, SyncHarness } from '../../test/sync/sync-harness';
import { createSyncParts, SyncParts } from '../../test/sync/sync-parts';

const START = Date.parse('2026-11-25T10:00:00Z');
const H = 3_600_000;

/** An ESR client double: pages per VPD, a change feed, and hooks to fail or stall. */
class FakeEsr {
  vpds: EsrVpd[] = [{ vpd: '979', organisationName: 'Ashdown', active: true }];
  listing = new Map<string, EsrPage<EsrRoleAssignment>[]>();
  changes = new Map<string, EsrPage<EsrRoleChange>[]>();
  expired = new Set<string>();
  /** Called before each page is handed out (throw to fail, await to stall). */
  beforePage: (kind: 'listing' | 'changes', index: number) => Promise<void> = async () => undefined;
  listVpdsError: Error | null = null;
  listingCalls = 0;

  async listVpds(): Promise<EsrVpd[]> {
    if (this.listVpdsError) throw this.listVpdsError;
    return this.vpds;
  }

  async *listRoleAssignments(vpd: string, opts: { employeeNumber?: string } = {}): AsyncIterable<EsrPage<EsrRoleAssignment>> {
    this.listingCalls++;
    const pages = this.listing.get(vpd) ?? [{ items: [], watermark: 'w0', extractDate: null, skipped: 0 }];
    for (const [index, page] of pages.entries()) {
      await this.beforePage('listing', index);
      yield opts.employeeNumber ? { ...page, items: page.items.filter((i) => i.employeeNumber === opts.employeeNumber) } : page;
    }
  }

  async *listRoleChanges(vpd: string, since: string): AsyncIterable<EsrPage<EsrRoleChange>> {
    if (this.expired.has(since)) throw new EsrWatermarkExpiredError(vpd);
    const pages = this.changes.get(vpd) ?? [{ items: [], watermark: since, extractDate: null, skipped: 0 }];
    for (const [index, page] of pages.entries()) {
      await this.beforePage('changes', index);
      yield page;
    }
  }
}

const assignment = (n: number, over: Partial<EsrRoleAssignment> = {}): EsrRoleAssignment => ({
  assignmentId: `ra-${n}`,
  vpd: '979',
  employeeNumber: String(10_000_000 + n),
  roleName: 'Digital Passport Administrator',
  roleCategory: 'NHS Supplementary Role',
  effectiveStartDate: '2026-01-01',
  effectiveEndDate: null,
  createdAt: '2026-01-01T09:00:00Z',
  lastUpdatedAt: '2026-01-01T09:00:00Z',
  personActive: true,
  systemPersonType: 'EMP',
  displayName: null,
  ...over,
});

const page = <T>(items: T[], watermark = 'w1', skipped = 0): EsrPage<T> => ({ items, watermark, extractDate: null, skipped });
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

class RecordingAudit {
  readonly events: NewAuditEvent[] = [];
  async record(event: NewAuditEvent): Promise<void> {
    this.events.push(event);
  }
}

describe(SyncModule.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  describe('with an ESR double and the in-process cache', () => {
    let clock: FakeClock;
    let esr: FakeEsr;
    let stores: MemoryStores;
    let leases: MemoryLeaseStore;
    let audit: RecordingAudit;
    let sync: SyncParts;

    const create = (env: Record<string, string> = {}, options: SyncOptions = {}): Promise<SyncParts> =>
      createSyncParts({
        esr: esr as unknown as EsrClient,
        stores,
        settings: settingsFrom(validateEnvironment({ ESR_VPDS: '979', ...env })),
        clock,
        metrics: new MetricsService(),
        audit: audit,
        options,
      });

    beforeEach(async () => {
      clock = new FakeClock(START);
      esr = new FakeEsr();
      stores = memoryStores(clock);
      leases = stores.leases;
      audit = new RecordingAudit();
      sync = await create();
    });

    const live = async () => (await stores.reads.readVpdSync(['979'], clock.nowMs())).get('979');
    const rolesOf = async (n: number) =>
      (await stores.reads.readAccess([{ vpd: '979', employeeNumber: String(10_000_000 + n) }])).roles.get(
        recordKey('979', String(10_000_000 + n)),
      );

    it('should write a full listing with effective windows, then apply changes incrementally', async () => {
      sync = await create({ SYNC_REMOVAL_GUARD_PERCENT: '50' });
      esr.listing.set('979', [
        page([assignment(1), assignment(2)]),
        page([assignment(3, { createdAt: '2026-11-25T09:00:00Z', effectiveStartDate: '2026-11-25' })]),
      ]);
      await expect(sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
        status: 'succeeded',
        vpds: [{ vpd: '979', mode: 'full', reason: 'NEVER_SYNCED', added: 3, updated: 0, removed: 0 }],
      });
      expect(await rolesOf(3)).toEqual([expect.objectContaining({ effectiveFrom: '2026-11-26T09:00:00.000Z', effectiveUntil: null })]);
      expect(await live()).toMatchObject({ watermark: 'w1', counts: { holders: 3, people: 3, active: 2, pending: 1 } });

      esr.changes.set('979', [
        page<EsrRoleChange>(
          [
            { op: 'delete', assignmentId: 'ra-1', changedAt: '2026-11-25T09:30:00Z' },
            {
              op: 'upsert',
              assignmentId: 'ra-2',
              changedAt: '2026-11-25T09:31:00Z',
              assignment: assignment(2, { effectiveEndDate: '2026-12-31', lastUpdatedAt: '2026-11-25T09:31:00Z' }),
            },
          ],
          'w2',
        ),
        page<EsrRoleChange>([{ op: 'upsert', assignmentId: 'ra-4', changedAt: '2026-11-25T09:32:00Z', assignment: assignment(4) }], 'w2'),
      ]);
      await expect(sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
        vpds: [{ mode: 'incremental', added: 1, updated: 1, removed: 1 }],
      });
      expect(await rolesOf(1)).toBeUndefined();
      expect(await rolesOf(2)).toEqual([expect.objectContaining({ endDate: '2026-12-31', effectiveUntil: '2027-01-01T00:00:00.000Z' })]);
      expect(await live()).toMatchObject({ watermark: 'w2', lastRun: { mode: 'incremental', added: 1, updated: 1, removed: 1 } });
    });

    it('should do a full run when the watermark expired or the changes are too many', async () => {
      esr.listing.set('979', [page([assignment(1)])]);
      await sync.runs.runSync({ mode: 'full' });
      esr.expired.add('w1');
      await expect(sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
        vpds: [{ mode: 'full', reason: 'WATERMARK_EXPIRED', status: 'succeeded' }],
      });
      esr.expired.clear();
      const many = range(0, MAX_INCREMENTAL_CHANGES + 1).map((n): EsrRoleChange => ({
        op: 'upsert',
        assignmentId: `ra-${n}`,
        changedAt: '2026-11-25T09:00:00Z',
        assignment: assignment(n),
      }));
      esr.changes.set(
        '979',
        range(0, Math.ceil(many.length / 1000)).map((p) => page(many.slice(p * 1000, p * 1000 + 1000), 'w9')),
      );
      await expect(sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
        vpds: [{ mode: 'full', reason: 'TOO_MANY_CHANGES', status: 'succeeded' }],
      });
      expect((await live())?.counts?.holders).toBe(1);
    });

    it('should hold the removals when ESR left out items that broke the contract', async () => {
      esr.listing.set('979', [page([assignment(1), assignment(2), assignment(3), assignment(4), assignment(5), assignment(6)])]);
      await sync.runs.runSync({ mode: 'full' });
      esr.listing.set('979', [page([assignment(1), assignment(2), assignment(3), assignment(4), assignment(5)], 'w2', 1)]);
      await expect(sync.runs.runSync({ mode: 'full' })).resolves.toMatchObject({
        vpds: [{ status: 'held', held: 1, reason: 'SKIPPED_ITEMS' }],
      });
      expect(audit.events).toEqual([
        expect.objectContaining({ type: 'SYNC_REMOVALS_HELD', details: expect.objectContaining({ count: 1, skippedItems: 1 }) }),
      ]);
      expect(await rolesOf(6)).toHaveLength(1);
    });

    it('should fail a listing whose pages disagree on the watermark and keep the data', async () => {
      esr.listing.set('979', [page([assignment(1)])]);
      await sync.runs.runSync({ mode: 'full' });
      esr.listing.set('979', [page([assignment(2)], 'w2'), page([assignment(3)], 'w3')]);
      await expect(sync.runs.runSync({ mode: 'full' })).resolves.toMatchObject({
        status: 'failed',
        vpds: [{ status: 'failed', error: 'INCONSISTENT_LISTING' }],
      });
      expect(await rolesOf(1)).toHaveLength(1);
      expect(await rolesOf(2)).toBeUndefined();
      expect(await live()).toMatchObject({ watermark: 'w1', consecutiveFailures: 1, lastOutcome: 'failed', building: null });
    });

    it('should report a failed run, never throw, when the VPD list cannot be read', async () => {
      sync = await create({ ESR_VPDS: '' });
      esr.listVpdsError = new EsrUnavailableError();
      await expect(sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
        status: 'failed',
        vpds: [],
        reason: 'ESR_UNAVAILABLE',
      });
      esr.listVpdsError = null;
      esr.vpds.push({ vpd: '123', organisationName: 'Closed', active: false });
      await expect(sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({ status: 'succeeded', vpds: [{ vpd: '979' }] });
    });

    it('should skip at once when another holder has the lease, or wait for it when asked', async () => {
      const other = await leases.acquire(SYNC_LEASE, 'other-replica', 1000);
      await expect(sync.runs.runSync({ mode: 'full' })).resolves.toMatchObject({ status: 'skipped', vpds: [] });
      const waiting = sync.runs.runSync({ mode: 'full', waitForLeaseMs: 5000 });
      setTimeout(() => void leases.release(other!), 300);
      await expect(waiting).resolves.toMatchObject({ status: 'succeeded' });
      await expect(leases.holder(SYNC_LEASE)).resolves.toBeNull();
    });

    it('should not lose the scheduled full run to a run in progress, nor repeat what another replica did', async () => {
      esr.listing.set('979', [page([assignment(1)])]);
      await sync.runs.runSync({ mode: 'full' });
      let release!: () => void;
      const stalled = new Promise<void>((resolve) => (release = resolve));
      esr.beforePage = async (kind) => {
        if (kind === 'changes') await stalled;
      };
      const incremental = sync.runs.runScheduled('incremental', 'schedule');
      await new Promise((resolve) => setTimeout(resolve, 20));
      // The cron fires while the incremental run goes on: the full run waits for it, it is not skipped.
      const full = sync.runs.runScheduled('full', 'schedule');
      expect(full).not.toBeNull();
      const otherReplica = await create();
      const otherFull = otherReplica.runs.runScheduled('full', 'schedule');
      esr.listing.set('979', [page([assignment(1), assignment(2)], 'w2')]);
      const listingCalls = esr.listingCalls;
      clock.advance(1000);
      release();
      await expect(incremental).resolves.toMatchObject({ status: 'succeeded', mode: 'incremental' });
      const outcomes = await Promise.all([full, otherFull]);
      // One of them reconciled the VPD; the other found it fully synced since the tick.
      expect(outcomes.map((o) => o?.status)).toEqual(['succeeded', 'succeeded']);
      expect(outcomes.flatMap((o) => o?.vpds ?? [])).toMatchObject([{ vpd: '979', mode: 'full', added: 1 }]);
      expect(esr.listingCalls).toBe(listingCalls + 1);
      expect(await rolesOf(2)).toHaveLength(1);
    });

    it('should stop a run at shutdown, keeping the live data and releasing the lease', async () => {
      esr.listing.set('979', [page([assignment(1)])]);
      await sync.runs.runSync({ mode: 'full' });
      let release!: () => void;
      const stalled = new Promise<void>((resolve) => (release = resolve));
      esr.listing.set('979', [page([assignment(2)], 'w2'), page([assignment(3)], 'w2')]);
      esr.beforePage = async (_kind, index) => {
        if (index === 1) await stalled;
      };
      const run = sync.runs.runScheduled('full', 'schedule');
      expect(sync.runs.runScheduled('incremental', 'schedule')).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const shutdown = sync.shutdown.beforeApplicationShutdown();
      release();
      await shutdown;
      await expect(run).resolves.toMatchObject({ status: 'failed', vpds: [{ status: 'failed', error: 'SHUTDOWN' }] });
      expect(await rolesOf(1)).toHaveLength(1);
      expect(await rolesOf(2)).toBeUndefined();
      await expect(leases.holder(SYNC_LEASE)).resolves.toBeNull();
      expect(sync.runs.runScheduled('incremental', 'schedule')).toBeNull();
    });

    it('should stop a run whose lease could not be renewed', async () => {
      sync = await create({ SYNC_LEASE_TTL: 'PT0.3S' });
      let release!: () => void;
      const stalled = new Promise<void>((resolve) => (release = resolve));
      esr.listing.set('979', [page([assignment(1)]), page([assignment(2)])]);
      esr.beforePage = async (_kind, index) => {
        if (index === 1) await stalled;
      };
      const run = sync.runs.runSync({ mode: 'full' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      clock.advance(1000); // the process was paused: the lease ran out
      await new Promise((resolve) => setTimeout(resolve, 250));
      release();
      await expect(run).resolves.toMatchObject({ status: 'failed', vpds: [{ error: 'LEASE_LOST' }] });
      expect((await live())?.generation).toBeNull();
    });

    it('should refresh records, reading ESR again when a sync changed the data meanwhile', async () => {
      esr.listing.set('979', [page([assignment(1)])]);
      await sync.runs.runSync({ mode: 'full' });
      esr.listing.set('979', [page([assignment(1), assignment(7, { employeeNumber: '10000001' })])]);
      const replace = jest.spyOn(stores.changes, 'replaceRecords').mockResolvedValueOnce('conflict');
      const calls = esr.listingCalls;
      await sync.refresher.refreshRecords('979', ['10000001']);
      expect(esr.listingCalls - calls).toBe(2);
      expect(replace).toHaveBeenCalledTimes(2);
      expect((await rolesOf(1))?.map((r) => r.assignmentId).sort()).toEqual(['ra-1', 'ra-7']);

      replace.mockResolvedValue('conflict');
      await expect(sync.refresher.refreshRecords('979', ['10000001'])).resolves.toBeUndefined();
      expect(replace).toHaveBeenCalledTimes(5);
      replace.mockRestore();

      esr.beforePage = async () => {
        throw new EsrUnavailableError();
      };
      await expect(sync.refresher.refreshRecords('979', ['10000001'])).rejects.toBeInstanceOf(EsrUnavailableError);
      await expect(sync.refresher.refreshRecords('979', [])).resolves.toBeUndefined();
    });

    it('should answer CONFLICT to a decision while a run holds the lease, and NOT_FOUND when nothing is held', async () => {
      sync = await create({}, { heldDecisionLeaseWaitMs: 50 });
      await expect(sync.held.approve('979', { actingUser: 'ops.lead@trust.nhs.uk', apiKeyId: 'ops1' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      const lease = await leases.acquire(SYNC_LEASE, 'other', 60_000);
      const refused = sync.held.reject('979', { actingUser: 'ops.lead@trust.nhs.uk', apiKeyId: 'ops1' });
      await expect(refused).rejects.toBeInstanceOf(DomainError);
      await expect(refused).rejects.toMatchObject({ code: 'CONFLICT' });
      await leases.release(lease!);
      expect(audit.events).toEqual([]);
    });

    it('should list a dry run without writing, capped but fully counted', async () => {
      esr.listing.set('979', [page(range(0, 10).map((n) => assignment(n)))]);
      await sync.runs.runSync({ mode: 'full' });
      esr.listing.set('979', [
        page(
          range(5, 1210).map((n) => assignment(n, n < 8 ? { effectiveEndDate: '2027-01-01' } : {})),
          'w2',
        ),
      ]);
      const before = await live();
      const dry = await sync.dryRun.dryRun({ mode: 'full' });
      expect(dry.counts).toEqual({ added: 1200, updated: 3, removed: 5 });
      expect(dry.added).toHaveLength(1000);
      expect(dry.truncated).toBe(true);
      expect(dry.vpds).toEqual([{ vpd: '979', mode: 'full', added: 1200, updated: 3, removed: 5, wouldHoldRemovals: true }]);
      expect(await live()).toEqual(before);
      await expect(sync.dryRun.dryRun({ mode: 'full', vpd: '123' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('should report status with the leader and counts, and forget nothing about failures', async () => {
      esr.listing.set('979', [page([assignment(1), assignment(2, { personActive: false })])]);
      await sync.runs.runSync({ mode: 'full' });
      esr.beforePage = async () => {
        throw new EsrUnavailableError();
      };
      await sync.runs.runSync({ mode: 'full' });
      const status = await sync.status.status();
      expect(status).toEqual({
        leader: null,
        vpds: [
          expect.objectContaining({
            vpd: '979',
            state: 'FAILED',
            consecutiveFailures: 1,
            lastError: 'ESR_UNAVAILABLE',
            holders: 2,
            people: 2,
            active: 1,
            pending: 0,
            lastRun: expect.objectContaining({ outcome: 'failed', mode: 'full' }),
          }),
        ],
      });
      await expect(sync.runs.getRun('no-such-run')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('should mark the state RUNNING only while the lease is held', async () => {
      let release!: () => void;
      const stalled = new Promise<void>((resolve) => (release = resolve));
      esr.listing.set('979', [page([assignment(1)]), page([assignment(2)])]);
      esr.beforePage = async (_kind, index) => {
        if (index === 1) await stalled;
      };
      const { runId } = await sync.runs.startRun({ mode: 'full' });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect((await sync.status.status()).vpds[0]).toMatchObject({ state: 'RUNNING', progress: { runId, phase: 'listing', pages: 1 } });
      expect(await sync.runs.getRun(runId)).toMatchObject({ state: 'running', progress: { currentVpd: '979' } });
      release();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect((await sync.status.status()).vpds[0]).toMatchObject({ state: 'IDLE', progress: null });
      expect(await sync.runs.getRun(runId)).toMatchObject({ state: 'succeeded', finishedAt: expect.any(String) });
    });
  });

  describe('with the ESR sandbox and the in-process cache (embedded default)', () => {
    let clock: FakeClock;
    let sandbox: Awaited<ReturnType<typeof startSandbox>>;
    let h: SyncHarness;

    beforeEach(async () => {
      clock = new FakeClock(START);
      sandbox = await startSandbox({ port: 0, rateLimitPerSecond: 0, now: () => clock.now() });
      h = await startSyncHarness({ esrBaseUrl: sandbox.url, clock, env: { ESR_VPDS: '979' } });
    });

    afterEach(async () => {
      await h.close();
      await sandbox.close();
    });

    it("should keep the fixtures' windows and follow changes, holding and approving mass removals", async () => {
      await expect(h.sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({ status: 'succeeded' });
      const within24h = sandbox.admin.fixture('assignedWithin24h');
      const future = sandbox.admin.fixture('futureDated');
      const snapshot = await h.store.readAccess([within24h, future].map((f) => ({ vpd: '979', employeeNumber: f.employeeNumber })));
      expect(snapshot.roles.get(recordKey('979', within24h.employeeNumber))?.[0]?.effectiveFrom).toBe(
        new Date(START - 2 * H + 24 * H).toISOString(),
      );
      expect(Date.parse(snapshot.roles.get(recordKey('979', future.employeeNumber))?.[0]?.effectiveFrom as string)).toBeGreaterThan(
        START + 6 * 24 * H,
      );

      const gone = Array.from({ length: 10 }, (_, n) => sandbox.admin.findRoleHolder('979', n));
      for (const g of gone) sandbox.admin.deleteRole(g.assignmentId);
      await expect(h.sync.runs.runSync({ mode: 'full' })).resolves.toMatchObject({
        vpds: [expect.objectContaining({ status: 'held', held: 10 })],
      });
      await expect(h.sync.held.approve('979', { actingUser: 'ops.lead@trust.nhs.uk', apiKeyId: 'ops1' })).resolves.toMatchObject({
        removed: 10,
      });
      const after = await h.store.readAccess(gone.map((g) => ({ vpd: '979', employeeNumber: g.employeeNumber })));
      expect(after.roles.size).toBe(0);
      expect(h.audit.events.map((e) => e.type)).toEqual(['SYNC_REMOVALS_HELD', 'SYNC_REMOVALS_APPROVED']);

      const person = sandbox.admin.findPersonWithoutRole('979', 0);
      const assigned = sandbox.admin.assignRole('979', person.employeeNumber);
      await h.sync.refresher.refreshRecords('979', [person.employeeNumber]);
      const refreshed = await h.store.readAccess([{ vpd: '979', employeeNumber: person.employeeNumber }]);
      expect(refreshed.roles.get(recordKey('979', person.employeeNumber))?.[0]?.assignmentId).toBe(assigned.assignmentId);
    });
  });
});

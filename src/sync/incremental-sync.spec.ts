import type { NewAuditEvent } from '../audit/audit.service';
import { FakeClock } from '../common/clock/clock';
import { validateEnvironment } from '../config/env.schema';
import { settingsFrom } from '../config/settings/settings';
import type { EsrClient } from '../esr/esr.client';
import type { EsrPage, EsrRoleAssignment, EsrRoleChange } from '../esr/esr.types';
import { MetricsService } from '../metrics/metrics.service';
import { recordKey } from '../role-store/role.types';
import { memoryStores, MemoryStores } from '../role-store/stores';
import { createSyncParts, SyncParts } from '../../test/sync/sync-parts';
import { IncrementalSync } from './incremental-sync';

const START = Date.parse('2026-11-25T10:00:00Z');
const ACTOR = { actingUser: 'ops.lead@trust.nhs.uk', apiKeyId: 'ops1' };

const assignment = (n: number): EsrRoleAssignment => ({
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
});

const page = <T>(items: T[], watermark: string): EsrPage<T> => ({ items, watermark, extractDate: null, skipped: 0 });
const deletes = (from: number, to: number): EsrRoleChange[] =>
  Array.from({ length: to - from }, (_, i) => ({ op: 'delete', assignmentId: `ra-${from + i}`, changedAt: '2026-11-25T09:30:00Z' }));
const upsert = (n: number): EsrRoleChange => ({
  op: 'upsert',
  assignmentId: `ra-${n}`,
  changedAt: '2026-11-25T09:31:00Z',
  assignment: assignment(n),
});

/** ESR with one VPD: a listing of 38 holders, then whatever change feed the test sets. */
class FakeEsr {
  feed: EsrPage<EsrRoleChange>[] = [];

  async listVpds() {
    return [{ vpd: '979', organisationName: 'Ashdown', active: true }];
  }

  async *listRoleAssignments(): AsyncIterable<EsrPage<EsrRoleAssignment>> {
    yield page(
      Array.from({ length: 38 }, (_, i) => assignment(i + 1)),
      'w1',
    );
  }

  async *listRoleChanges(): AsyncIterable<EsrPage<EsrRoleChange>> {
    for (const p of this.feed) yield p;
  }
}

describe(IncrementalSync.name, () => {
  let clock: FakeClock;
  let esr: FakeEsr;
  let stores: MemoryStores;
  let audit: NewAuditEvent[];
  let sync: SyncParts;

  beforeEach(async () => {
    clock = new FakeClock(START);
    esr = new FakeEsr();
    stores = memoryStores(clock);
    audit = [];
    sync = await createSyncParts({
      esr: esr as unknown as EsrClient,
      stores,
      settings: settingsFrom(validateEnvironment({ ESR_VPDS: '979' })),
      clock,
      metrics: new MetricsService(),
      audit: { record: async (event: NewAuditEvent) => void audit.push(event) },
    });
    await sync.runs.runSync({ mode: 'full' });
  });

  const meta = async () => (await stores.reads.readVpdSync(['979'], clock.nowMs())).get('979');
  const holds = async (n: number) =>
    (
      (await stores.reads.readAccess([{ vpd: '979', employeeNumber: String(10_000_000 + n) }])).roles.get(
        recordKey('979', String(10_000_000 + n)),
      ) ?? []
    ).length > 0;

  it('should hold removals of 10 of 38 holders (26%) while applying the addition of the same run', async () => {
    esr.feed = [page([...deletes(1, 11), upsert(40)], 'w2')];
    const outcome = await sync.runs.runSync({ mode: 'incremental' });
    expect(outcome.vpds).toEqual([
      expect.objectContaining({ mode: 'incremental', status: 'held', added: 1, removed: 0, held: 10, reason: 'OVER_PERCENT' }),
    ]);
    expect(await holds(1)).toBe(true);
    expect(await holds(40)).toBe(true);
    expect(await meta()).toMatchObject({ heldRemovals: 10, watermark: 'w2', heldRun: { runId: outcome.runId, mode: 'incremental' } });
    expect(audit).toEqual([
      expect.objectContaining({
        type: 'SYNC_REMOVALS_HELD',
        details: expect.objectContaining({ count: 10, mode: 'incremental', runId: outcome.runId }),
      }),
    ]);
  });

  it('should say in a dry run that such an incremental run would hold its removals', async () => {
    esr.feed = [page(deletes(1, 11), 'w2')];
    await expect(sync.dryRun.dryRun({ mode: 'incremental' })).resolves.toMatchObject({
      vpds: [{ vpd: '979', mode: 'incremental', removed: 10, wouldHoldRemovals: true }],
    });
    esr.feed = [page(deletes(1, 4), 'w2')];
    await expect(sync.dryRun.dryRun({ mode: 'incremental' })).resolves.toMatchObject({ vpds: [{ removed: 3, wouldHoldRemovals: false }] });
  });

  it('should apply removals under the thresholds at once', async () => {
    esr.feed = [page(deletes(1, 4), 'w2')];
    await expect(sync.runs.runSync({ mode: 'incremental' })).resolves.toMatchObject({
      vpds: [{ status: 'succeeded', removed: 3, held: 0 }],
    });
    expect(await holds(1)).toBe(false);
    expect((await meta())?.heldRemovals).toBe(0);
  });

  it('should add later removals to the held set, drop a holder who reappears, and keep naming the run that held them', async () => {
    esr.feed = [page(deletes(1, 11), 'w2')];
    const first = await sync.runs.runSync({ mode: 'incremental' });
    esr.feed = [page([...deletes(20, 21), upsert(1), upsert(2)], 'w3')];
    const second = await sync.runs.runSync({ mode: 'incremental' });
    expect(second.vpds).toEqual([expect.objectContaining({ status: 'held', held: 1, removed: 0, reason: 'ALREADY_HELD' })]);
    expect(await meta()).toMatchObject({ heldRemovals: 9, heldRun: { runId: first.runId }, lastRun: { runId: second.runId } });
    expect(await holds(20)).toBe(true);

    await expect(sync.held.approve('979', ACTOR)).resolves.toMatchObject({ count: 9, removed: 9, heldRunId: first.runId });
    expect(await holds(20)).toBe(false);
    expect(await holds(1)).toBe(true);
    expect(audit.at(-1)).toMatchObject({ type: 'SYNC_REMOVALS_APPROVED', actor: ACTOR.actingUser, apiKeyId: 'ops1' });
  });

  it('should keep the rows when the held removals are rejected', async () => {
    esr.feed = [page(deletes(1, 11), 'w2')];
    await sync.runs.runSync({ mode: 'incremental' });
    await expect(sync.held.reject('979', ACTOR)).resolves.toMatchObject({ decision: 'rejected', count: 10, removed: 0 });
    expect(await holds(1)).toBe(true);
    expect(await meta()).toMatchObject({ heldRemovals: 0, heldRun: null });
    expect(audit.at(-1)).toMatchObject({ type: 'SYNC_REMOVALS_REJECTED', actor: ACTOR.actingUser });
  });
});

import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { AccessSettings } from '../config/settings/access.settings';
import { SyncSettings } from '../config/settings/sync.settings';
import { EsrClient } from '../esr/esr.client';
import { EsrWatermarkExpiredError } from '../esr/esr.errors';
import { RoleGenerations } from '../role-store/role-generations';
import { RoleReads } from '../role-store/role-reads';
import type { CachedRole } from '../role-store/role.types';
import { sameRole } from '../role-store/role-row-codec';
import { CachedRoleChange, RoleRef, SyncMode, VpdSyncRecord } from '../role-store/sync-records.types';
import { REMOVAL_SCAN_COUNT } from './full-sync';
import { MAX_INCREMENTAL_CHANGES, STAGE_BATCH } from './incremental-sync';
import { removalGuard } from './removal-guard';
import { toCachedRole, toCachedRoleChange } from './role-window';
import { ServedVpds } from './served-vpds';
import { TooManyChangesError } from './sync.errors';
import { DryRunItem, DryRunResult } from './sync.types';

/** Items listed per kind by a dry run (the counts are always complete). */
export const DRY_RUN_LIST_LIMIT = 1000;
/** How long a dry run's scratch list of seen assignments may outlive it (if it dies). */
const SCRATCH_TTL_MS = 3_600_000;

class DiffCollector {
  readonly added: DryRunItem[] = [];
  readonly updated: DryRunItem[] = [];
  readonly removed: DryRunItem[] = [];
  readonly counts = { added: 0, updated: 0, removed: 0 };

  add(kind: 'added' | 'updated' | 'removed', item: DryRunItem): void {
    this.counts[kind]++;
    if (this[kind].length < DRY_RUN_LIST_LIMIT) this[kind].push(item);
  }
}

const ref = (role: CachedRole): RoleRef => ({ assignmentId: role.assignmentId, employeeNumber: role.employeeNumber });

/**
 * Dry runs: what a full or incremental run would add, update and remove, per VPD and listed, with
 * whether the removal guard would hold. Writes nothing that is served and needs no lease.
 */
@Injectable()
export class DryRunService {
  constructor(
    private readonly esr: EsrClient,
    private readonly store: RoleReads,
    private readonly generations: RoleGenerations,
    private readonly settings: SyncSettings,
    private readonly access: AccessSettings,
    private readonly clock: Clock,
    private readonly served: ServedVpds,
  ) {}

  /** What a run would change, listing it; writes nothing that is served (and needs no lease). */
  async dryRun(options: { mode: SyncMode; vpd?: string }): Promise<DryRunResult> {
    this.served.assertServed(options.vpd);
    const vpds = options.vpd ? [options.vpd] : await this.served.list();
    const all = new DiffCollector();
    const result: DryRunResult = {
      mode: options.mode,
      added: [],
      updated: [],
      removed: [],
      counts: all.counts,
      truncated: false,
      vpds: [],
    };
    for (const vpd of vpds) {
      const meta = (await this.store.readVpdSync([vpd], this.clock.nowMs())).get(vpd) as VpdSyncRecord;
      let mode: SyncMode = options.mode === 'incremental' && meta.generation && meta.watermark ? 'incremental' : 'full';
      let reason: string | undefined = options.mode === 'incremental' && mode === 'full' ? 'NEVER_SYNCED' : undefined;
      let diff = new DiffCollector();
      let listed: number | null = null;
      if (mode === 'incremental') {
        try {
          await this.dryIncremental(vpd, meta.watermark as string, diff);
        } catch (error) {
          if (!(error instanceof EsrWatermarkExpiredError) && !(error instanceof TooManyChangesError)) throw error;
          mode = 'full';
          reason = error instanceof EsrWatermarkExpiredError ? 'WATERMARK_EXPIRED' : 'TOO_MANY_CHANGES';
          diff = new DiffCollector();
        }
      }
      if (mode === 'full') listed = await this.dryFull(vpd, diff);
      const wouldHold = this.wouldHold(meta, listed, diff.counts.removed);
      for (const kind of ['added', 'updated', 'removed'] as const) {
        for (const item of diff[kind]) all.add(kind, item);
        all.counts[kind] += diff.counts[kind] - diff[kind].length;
      }
      result.vpds.push({ vpd, mode, ...diff.counts, wouldHoldRemovals: wouldHold, ...(reason ? { reason } : {}) });
    }
    result.added = all.added;
    result.updated = all.updated;
    result.removed = all.removed;
    result.truncated = (['added', 'updated', 'removed'] as const).some((kind) => all.counts[kind] > all[kind].length);
    return result;
  }

  /** The removal guard on the run's removals (a full run's listing, or the live rows an incremental one keeps), as a run would ask it. */
  private wouldHold(meta: VpdSyncRecord, listed: number | null, removals: number): boolean {
    const liveHolders = meta.counts?.holders ?? 0;
    return removalGuard(
      { liveHolders, listed: listed ?? liveHolders - removals, removals, alreadyHeld: meta.heldRemovals },
      { percent: this.settings.removalGuardPercent, count: this.settings.removalGuardCount },
    ).hold;
  }

  /** Lists ESR's assignments into `diff` (added, updated, removed); answers how many were listed. */
  private async dryFull(vpd: string, diff: DiffCollector): Promise<number> {
    const scratch = `dry-${randomUUID()}`;
    let listed = 0;
    try {
      for await (const page of this.esr.listRoleAssignments(vpd)) {
        const roles = page.items.map((item) => toCachedRole(item, this.access.activationDelayMs));
        listed += roles.length;
        if (roles.length === 0) continue;
        this.classify(
          vpd,
          roles,
          await this.store.lookupRoles(
            vpd,
            roles.map((r) => r.assignmentId),
          ),
          diff,
        );
        await this.generations.markSeen(vpd, scratch, roles.map(ref), SCRATCH_TTL_MS);
      }
      let cursor = '0';
      do {
        const page = await this.generations.scanRemovals(vpd, scratch, cursor, REMOVAL_SCAN_COUNT);
        for (const removed of page.removed) diff.add('removed', { vpd, ...removed });
        cursor = page.cursor;
      } while (cursor !== '0');
    } finally {
      await this.generations.dropGeneration(vpd, scratch).catch(() => undefined);
    }
    return listed;
  }

  private async dryIncremental(vpd: string, since: string, diff: DiffCollector): Promise<void> {
    const latest = new Map<string, CachedRoleChange>();
    for await (const page of this.esr.listRoleChanges(vpd, since)) {
      for (const change of page.items) {
        latest.delete(change.assignmentId);
        latest.set(change.assignmentId, toCachedRoleChange(change, this.access.activationDelayMs));
      }
      if (latest.size > MAX_INCREMENTAL_CHANGES) throw new TooManyChangesError(MAX_INCREMENTAL_CHANGES);
    }
    const ids = [...latest.keys()];
    for (let i = 0; i < ids.length; i += STAGE_BATCH) {
      const chunk = ids.slice(i, i + STAGE_BATCH);
      const live = await this.store.lookupRoles(vpd, chunk);
      for (const id of chunk) {
        const change = latest.get(id) as CachedRoleChange;
        const old = live.get(id);
        if (change.op === 'delete') {
          if (old) diff.add('removed', { vpd, assignmentId: id, employeeNumber: old.employeeNumber });
        } else if (!old) {
          diff.add('added', { vpd, ...ref(change.role) });
        } else if (!sameRole(old, change.role)) {
          diff.add('updated', { vpd, ...ref(change.role) });
        }
      }
    }
  }

  private classify(vpd: string, roles: CachedRole[], live: Map<string, CachedRole>, diff: DiffCollector): void {
    for (const role of roles) {
      const old = live.get(role.assignmentId);
      if (!old) diff.add('added', { vpd, ...ref(role) });
      else if (!sameRole(old, role)) diff.add('updated', { vpd, ...ref(role) });
    }
  }
}

import type { FenceToken } from './lease-store';
import type { MemoryLeaseStore } from './memory-lease-store';
import { RoleChanges } from './role-changes';
import { olderThan, sameRole } from './role-row-codec';
import { copyRole, Generation, MemoryRoleVpds, VpdData } from './memory-role-state';
import type { CachedRole } from './role.types';
import type { CachedRoleChange, ChangeCommit, ChangeDiff, RecordRoles, ReplaceRecordsResult } from './sync-records.types';

/** Incremental changes to the live in-process role data: stage, apply (or discard) a stage, replace whole records; fenced by `leases`. */
export class MemoryRoleChanges extends RoleChanges {
  constructor(
    private readonly vpds: MemoryRoleVpds,
    private readonly leases: MemoryLeaseStore,
  ) {
    super();
  }

  async stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken): Promise<void> {
    this.leases.check(fence);
    const data = this.vpds.data(vpd);
    let stage = data.stages.get(stageId);
    if (!stage) {
      stage = new Map();
      data.stages.set(stageId, stage);
    }
    for (const change of changes) {
      const id = change.op === 'delete' ? change.assignmentId : change.role.assignmentId;
      stage.set(id, change.op === 'delete' ? change : { op: 'upsert', role: copyRole(change.role) });
    }
  }

  async applyChanges(
    vpd: string,
    fence: FenceToken,
    stageId: string | null,
    changes: CachedRoleChange[],
    _nowMs: number,
    commit: ChangeCommit,
  ): Promise<ChangeDiff> {
    this.leases.check(fence);
    const data = this.vpds.data(vpd);
    const live = data.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    if (!live) throw new Error(`VPD ${vpd} has no live data to apply changes to`);
    const diff: ChangeDiff = { added: 0, updated: 0, removed: 0, unchanged: 0, held: 0 };
    /** Rows this apply added: a delete of one of them is no removal of live data, so it is never held. */
    const fresh = new Set<string>();
    const apply = (change: CachedRoleChange): void => {
      if (change.op === 'delete')
        this.delete(data, live, change.assignmentId, commit.holdRemovals === true && !fresh.has(change.assignmentId), diff);
      else this.upsert(data, live, change.role, fresh, diff);
    };
    if (stageId) {
      for (const change of data.stages.get(stageId)?.values() ?? []) apply(change);
      data.stages.delete(stageId);
    }
    for (const change of changes) apply(change);
    const meta = data.meta;
    const lastRun = { ...commit.lastRun, added: diff.added, updated: diff.updated, removed: diff.removed, held: diff.held };
    if (diff.held > 0) lastRun.outcome = 'held';
    if (meta.heldRemovals > 0 && meta.heldSince === null) Object.assign(meta, { heldSince: commit.at, heldRun: lastRun });
    meta.watermark = commit.watermark;
    meta.lastSuccessAt = commit.at;
    meta.consecutiveFailures = 0;
    meta.lastOutcome = 'succeeded';
    meta.lastError = null;
    meta.lastRun = lastRun;
    meta.running = null;
    meta.progress = null;
    meta.seq += 1;
    return diff;
  }

  private delete(data: VpdData, live: Generation, assignmentId: string, hold: boolean, diff: ChangeDiff): void {
    const employee = live.aidx.get(assignmentId);
    if (hold && employee !== undefined) {
      if (!data.held.has(assignmentId)) diff.held++;
      data.held.set(assignmentId, employee);
      data.meta.heldRemovals = data.held.size;
      return;
    }
    if (live.delete(assignmentId)) diff.removed++;
    this.vpds.unhold(data, assignmentId);
  }

  private upsert(data: VpdData, live: Generation, role: CachedRole, fresh: Set<string>, diff: ChangeDiff): void {
    const old = live.get(role.assignmentId);
    if (old && olderThan(role, old)) {
      diff.unchanged++;
      return;
    }
    live.put(role);
    this.vpds.unhold(data, role.assignmentId);
    if (!old) {
      diff.added++;
      fresh.add(role.assignmentId);
    } else if (sameRole(old, role)) diff.unchanged++;
    else diff.updated++;
  }

  async discardStage(vpd: string, stageId: string): Promise<void> {
    this.vpds.find(vpd)?.stages.delete(stageId);
  }

  async replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number): Promise<ReplaceRecordsResult> {
    const data = this.vpds.find(vpd);
    if (!data || (!data.meta.generation && !data.meta.building)) return 'not-synced';
    if (data.meta.seq !== expectedSeq) return 'conflict';
    const targets: Array<{ generation: Generation; live: boolean }> = [];
    const live = data.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    const build = data.meta.building ? data.generations.get(data.meta.building) : undefined;
    if (live) targets.push({ generation: live, live: true });
    if (build && build !== live) targets.push({ generation: build, live: false });
    for (const record of records) {
      const keep = new Set(record.roles.map((r) => r.assignmentId));
      for (const target of targets) {
        for (const id of [...(target.generation.rows.get(record.employeeNumber)?.keys() ?? [])]) {
          // ESR was asked again for this person: none of their rows' removals stays held.
          if (target.live) this.vpds.unhold(data, id);
          else target.generation.held.delete(id);
          if (!keep.has(id)) target.generation.delete(id);
        }
        for (const role of record.roles) {
          const old = target.generation.get(role.assignmentId);
          if (!(old && olderThan(role, old))) target.generation.put(role);
          if (target.live) this.vpds.unhold(data, role.assignmentId);
          else target.generation.held.delete(role.assignmentId);
        }
        if (!target.live) target.generation.pinned.add(record.employeeNumber);
      }
    }
    return 'applied';
  }
}

import type { FenceToken } from './lease-store';
import type { MemoryLeaseStore } from './memory-lease-store';
import { RoleChanges } from './role-changes';
import { olderThan, sameRole } from './role-row-codec';
import { copyRole, Generation, MemoryRoleVpds } from './memory-role-state';
import type { CachedRoleChange, ChangeDiff, RecordRoles, ReplaceRecordsResult, SyncCommit } from './sync-records.types';

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
    commit: SyncCommit,
  ): Promise<ChangeDiff> {
    this.leases.check(fence);
    const data = this.vpds.data(vpd);
    const live = data.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    if (!live) throw new Error(`VPD ${vpd} has no live data to apply changes to`);
    const diff: ChangeDiff = { added: 0, updated: 0, removed: 0, unchanged: 0 };
    const apply = (change: CachedRoleChange): void => {
      if (change.op === 'delete') {
        if (live.delete(change.assignmentId)) diff.removed++;
        this.vpds.unhold(data, change.assignmentId);
        return;
      }
      const old = live.get(change.role.assignmentId);
      if (old && olderThan(change.role, old)) {
        diff.unchanged++;
        return;
      }
      live.put(change.role);
      this.vpds.unhold(data, change.role.assignmentId);
      if (!old) diff.added++;
      else if (sameRole(old, change.role)) diff.unchanged++;
      else diff.updated++;
    };
    if (stageId) {
      for (const change of data.stages.get(stageId)?.values() ?? []) apply(change);
      data.stages.delete(stageId);
    }
    for (const change of changes) apply(change);
    const meta = data.meta;
    meta.watermark = commit.watermark;
    meta.lastSuccessAt = commit.at;
    meta.consecutiveFailures = 0;
    meta.lastOutcome = 'succeeded';
    meta.lastError = null;
    meta.lastRun = { ...commit.lastRun, added: diff.added, updated: diff.updated, removed: diff.removed };
    meta.running = null;
    meta.progress = null;
    meta.seq += 1;
    return diff;
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

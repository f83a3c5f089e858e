import type { FenceToken } from './lease-store';
import type { MemoryLeaseStore } from './memory-lease-store';
import { RoleGenerations } from './role-generations';
import type { CachedRole } from './role.types';
import { sameRole } from './role-row-codec';
import { Generation, MemoryRoleVpds } from './memory-role-state';
import type { GenerationBatchDiff, GenerationId, RoleRef, SyncCommit, SyncProgress } from './sync-records.types';

/**
 * A full sync's generations in memory: begin, write, scan and hold removals, commit (the atomic
 * switch), drop; dry runs' lists of assignments seen; the held removals afterwards (approve, reject).
 * Fenced by `leases`.
 */
export class MemoryRoleGenerations extends RoleGenerations {
  /** Key snapshots of scans in progress (scanRemovals), so each chunk costs O(count). */
  private readonly scans = new Map<string, string[]>();

  constructor(
    private readonly vpds: MemoryRoleVpds,
    private readonly leases: MemoryLeaseStore,
  ) {
    super();
  }

  async beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }> {
    this.leases.check(fence);
    const data = this.vpds.data(vpd);
    let dropped = 0;
    for (const id of [...data.generations.keys()]) {
      if (id !== data.meta.generation) {
        data.generations.delete(id);
        dropped++;
      }
    }
    data.genSeq += 1;
    const generation = String(data.genSeq);
    data.generations.set(generation, new Generation());
    data.meta.building = generation;
    data.meta.seq += 1;
    return { generation, dropped };
  }

  async writeGeneration(
    vpd: string,
    generation: GenerationId,
    roles: CachedRole[],
    fence: FenceToken,
    _nowMs: number,
    progress?: SyncProgress,
  ): Promise<GenerationBatchDiff> {
    this.leases.check(fence);
    const data = this.vpds.data(vpd);
    const build = this.vpds.building(data, vpd, generation);
    const live = data.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    const diff: GenerationBatchDiff = { added: 0, updated: 0, unchanged: 0, skipped: 0 };
    for (const role of roles) {
      if (build.pinned.has(role.employeeNumber)) {
        diff.skipped++;
        continue;
      }
      build.put(role);
      const old = live?.get(role.assignmentId);
      if (!old) diff.added++;
      else if (sameRole(old, role)) diff.unchanged++;
      else diff.updated++;
    }
    if (progress) data.meta.progress = { ...progress };
    return diff;
  }

  async scanRemovals(
    vpd: string,
    generation: GenerationId,
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; removed: RoleRef[] }> {
    const data = this.vpds.find(vpd);
    const live = data?.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    const target = data?.generations.get(generation) ?? data?.scratch.get(generation);
    if (!live) return { cursor: '0', removed: [] };
    const scanKey = `${vpd}:${data?.meta.generation}:${generation}`;
    if (cursor === '0') this.scans.set(scanKey, [...live.aidx.keys()]);
    const ids = this.scans.get(scanKey) ?? [];
    const start = cursor === '0' ? 0 : Number(cursor);
    const removed: RoleRef[] = [];
    for (const id of ids.slice(start, start + count)) {
      const employeeNumber = live.aidx.get(id);
      if (employeeNumber !== undefined && !target?.aidx.has(id)) removed.push({ assignmentId: id, employeeNumber });
    }
    const done = start + count >= ids.length;
    if (done) this.scans.delete(scanKey);
    return { cursor: done ? '0' : String(start + count), removed };
  }

  async holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[], fence: FenceToken): Promise<number> {
    this.leases.check(fence);
    const data = this.vpds.data(vpd);
    const build = this.vpds.building(data, vpd, generation);
    const live = data.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    if (!live) return 0;
    let held = 0;
    for (const id of assignmentIds) {
      const role = live.get(id);
      if (role && !build.aidx.has(id)) {
        build.put(role);
        build.held.set(id, role.employeeNumber);
        held++;
      }
    }
    return held;
  }

  async commitGeneration(
    vpd: string,
    generation: GenerationId,
    fence: FenceToken,
    commit: SyncCommit & { held: boolean },
  ): Promise<GenerationId | null> {
    this.leases.check(fence);
    const data = this.vpds.data(vpd);
    const build = this.vpds.building(data, vpd, generation);
    const previous = data.meta.generation;
    const meta = data.meta;
    meta.generation = generation;
    meta.building = null;
    meta.watermark = commit.watermark;
    meta.lastSuccessAt = commit.at;
    meta.lastFullSyncAt = commit.at;
    meta.consecutiveFailures = 0;
    meta.lastOutcome = 'succeeded';
    meta.lastError = null;
    meta.lastRun = { ...commit.lastRun };
    meta.running = null;
    meta.progress = null;
    meta.seq += 1;
    const wasHeld = data.held.size > 0;
    data.held.clear();
    if (commit.held && build.held.size > 0) for (const [id, employee] of build.held) data.held.set(id, employee);
    build.held.clear();
    build.pinned.clear();
    meta.heldRemovals = data.held.size;
    // An unbroken hold keeps its start and the run that began it.
    if (data.held.size === 0) Object.assign(meta, { heldSince: null, heldRun: null });
    else if (!wasHeld || meta.heldSince === null) Object.assign(meta, { heldSince: commit.at, heldRun: { ...commit.lastRun } });
    return previous;
  }

  async dropGeneration(vpd: string, generation: GenerationId, fence?: FenceToken): Promise<void> {
    const data = this.vpds.find(vpd);
    if (!data) return;
    data.scratch.delete(generation);
    if (generation === data.meta.generation) return;
    if (generation === data.meta.building) {
      if (fence === undefined || !this.leases.isCurrent(fence)) return;
      data.meta.building = null;
    }
    data.generations.delete(generation);
  }

  async markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[]): Promise<void> {
    const data = this.vpds.data(vpd);
    let generation = data.scratch.get(scratch);
    if (!generation) {
      generation = new Generation();
      data.scratch.set(scratch, generation);
    }
    for (const ref of refs) generation.aidx.set(ref.assignmentId, ref.employeeNumber);
  }

  async approveHeldRemovals(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }> {
    this.leases.check(fence);
    const data = this.vpds.data(vpd);
    const live = this.vpds.live(vpd);
    let removed = 0;
    for (const id of [...data.held.keys()].slice(0, count)) {
      if (live?.delete(id)) removed++;
      data.held.delete(id);
    }
    data.meta.heldRemovals = data.held.size;
    if (data.held.size === 0) Object.assign(data.meta, { heldSince: null, heldRun: null });
    data.meta.seq += 1;
    return { removed, remaining: data.held.size };
  }

  async rejectHeldRemovals(vpd: string, fence: FenceToken): Promise<number> {
    this.leases.check(fence);
    const data = this.vpds.data(vpd);
    const count = data.held.size;
    data.held.clear();
    data.meta.heldRemovals = 0;
    Object.assign(data.meta, { heldSince: null, heldRun: null });
    return count;
  }
}

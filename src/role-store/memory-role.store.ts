import { Clock } from '../common/clock/clock';
import type { FenceToken } from './lease.store';
import { MemoryLeaseStore } from './memory-lease.store';
import { MemoryRoleChanges } from './memory-role-changes';
import { MemoryRoleGenerations } from './memory-role-generations';
import { MemoryRoleReads } from './memory-role-reads';
import { MemoryRoleRuns } from './memory-role-runs';
import { MemoryRoleVpds } from './memory-role-state';
import { RoleStore } from './role-store';
import type { AccessSnapshot, CachedRole, RecordKey } from './role.types';
import type {
  CachedRoleChange,
  ChangeDiff,
  GenerationBatchDiff,
  GenerationId,
  RecordRoles,
  ReplaceRecordsResult,
  RoleRef,
  SyncCommit,
  SyncLastRun,
  SyncProgress,
  SyncRunRecord,
  VpdSyncRecord,
} from './sync-records.types';

/** In-process role store for the embedded default (one instance, nothing shared); fenced by `leases`. */
export class MemoryRoleStore extends RoleStore {
  readonly kind = 'memory' as const;
  private readonly reads: MemoryRoleReads;
  private readonly runs: MemoryRoleRuns;
  private readonly generations: MemoryRoleGenerations;
  private readonly changes: MemoryRoleChanges;
  private closed = false;

  constructor(
    private readonly leases: MemoryLeaseStore,
    private readonly clock: Clock = new Clock(),
  ) {
    super();
    const vpds = new MemoryRoleVpds();
    this.reads = new MemoryRoleReads(vpds);
    this.runs = new MemoryRoleRuns(vpds, () => this.clock.nowMs());
    this.generations = new MemoryRoleGenerations(vpds);
    this.changes = new MemoryRoleChanges(vpds);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('role store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async readAccess(keys: RecordKey[]): Promise<AccessSnapshot> {
    return this.reads.readAccess(keys);
  }

  async readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>> {
    return this.reads.readVpdSync(vpds, atMs);
  }

  async knownSyncVpds(): Promise<string[]> {
    return this.reads.knownVpds();
  }

  async lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>> {
    return this.reads.lookupRoles(vpd, assignmentIds);
  }

  async markSyncStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void> {
    this.leases.check(fence);
    this.runs.markStarted(vpd, runId, at, progress);
  }

  async reportSyncProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void> {
    this.leases.check(fence);
    this.runs.reportProgress(vpd, progress);
  }

  async markSyncFailed(vpd: string, fence: FenceToken, _at: string, error: string, lastRun: SyncLastRun): Promise<number> {
    this.leases.check(fence);
    return this.runs.markFailed(vpd, error, lastRun);
  }

  async beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }> {
    this.leases.check(fence);
    return this.generations.beginGeneration(vpd);
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
    return this.generations.writeGeneration(vpd, generation, roles, progress);
  }

  async scanRemovals(
    vpd: string,
    generation: GenerationId,
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; removed: RoleRef[] }> {
    return this.generations.scanRemovals(vpd, generation, cursor, count);
  }

  async holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[], fence: FenceToken): Promise<number> {
    this.leases.check(fence);
    return this.generations.holdRemovals(vpd, generation, assignmentIds);
  }

  async commitGeneration(
    vpd: string,
    generation: GenerationId,
    fence: FenceToken,
    commit: SyncCommit & { held: boolean },
  ): Promise<GenerationId | null> {
    this.leases.check(fence);
    return this.generations.commitGeneration(vpd, generation, commit);
  }

  async dropGeneration(vpd: string, generation: GenerationId, fence?: FenceToken): Promise<void> {
    const current = fence !== undefined && this.leases.isCurrent(fence);
    this.generations.dropGeneration(vpd, generation, current);
  }

  async markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[]): Promise<void> {
    this.generations.markSeen(vpd, scratch, refs);
  }

  async stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken): Promise<void> {
    this.leases.check(fence);
    this.changes.stageChanges(vpd, stageId, changes);
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
    return this.changes.applyChanges(vpd, stageId, changes, commit);
  }

  async discardStage(vpd: string, stageId: string): Promise<void> {
    this.changes.discardStage(vpd, stageId);
  }

  async replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number): Promise<ReplaceRecordsResult> {
    return this.changes.replaceRecords(vpd, records, expectedSeq);
  }

  async approveHeldRemovals(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }> {
    this.leases.check(fence);
    return this.generations.approveHeld(vpd, count);
  }

  async rejectHeldRemovals(vpd: string, fence: FenceToken): Promise<number> {
    this.leases.check(fence);
    return this.generations.rejectHeld(vpd);
  }

  async saveSyncRun(run: SyncRunRecord, ttlMs: number): Promise<void> {
    this.runs.saveRun(run, ttlMs);
  }

  async readSyncRun(runId: string): Promise<SyncRunRecord | null> {
    return this.runs.readRun(runId);
  }
}

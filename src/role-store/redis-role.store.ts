import type Redis from 'ioredis';
import { RedisConnection } from './redis-connection';
import { RedisRoleData } from './redis-role-data';
import { RoleStore } from './role-store';
import type { FenceToken } from './lease.store';
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

/** The role store in Redis, shared by every replica (layout and scripts: redis-role.scripts.ts). */
export class RedisRoleStore extends RoleStore {
  readonly kind = 'redis' as const;
  private readonly roles: RedisRoleData;

  constructor(private readonly connection: RedisConnection) {
    super();
    RedisRoleData.define(connection.redis);
    this.roles = new RedisRoleData(connection.redis, connection.keyPrefix);
  }

  /** The shared connection's client (the mapping mirror shares it; tests look at its state). */
  get redis(): Redis {
    return this.connection.redis;
  }

  /** The connection's key prefix (scripts that derive keys need it in full). */
  get keyPrefix(): string {
    return this.connection.keyPrefix;
  }

  ping(): Promise<void> {
    return this.connection.ping();
  }

  readAccess(keys: RecordKey[]): Promise<AccessSnapshot> {
    return this.roles.readAccess(keys);
  }

  readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>> {
    return this.roles.readVpdSync(vpds, atMs);
  }

  knownSyncVpds(): Promise<string[]> {
    return this.roles.knownVpds();
  }

  lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>> {
    return this.roles.lookupRoles(vpd, assignmentIds);
  }

  markSyncStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void> {
    return this.roles.markStarted(vpd, fence, runId, at, progress);
  }

  reportSyncProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void> {
    return this.roles.reportProgress(vpd, fence, progress);
  }

  markSyncFailed(vpd: string, fence: FenceToken, _at: string, error: string, lastRun: SyncLastRun): Promise<number> {
    return this.roles.markFailed(vpd, fence, error, lastRun);
  }

  beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }> {
    return this.roles.beginGeneration(vpd, fence);
  }

  writeGeneration(
    vpd: string,
    generation: GenerationId,
    roles: CachedRole[],
    fence: FenceToken,
    nowMs: number,
    progress?: SyncProgress,
  ): Promise<GenerationBatchDiff> {
    return this.roles.writeGeneration(vpd, generation, roles, fence, nowMs, progress);
  }

  scanRemovals(vpd: string, generation: GenerationId, cursor: string, count: number): Promise<{ cursor: string; removed: RoleRef[] }> {
    return this.roles.scanRemovals(vpd, generation, cursor, count);
  }

  holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[], fence: FenceToken, nowMs: number): Promise<number> {
    return this.roles.holdRemovals(vpd, generation, assignmentIds, fence, nowMs);
  }

  commitGeneration(
    vpd: string,
    generation: GenerationId,
    fence: FenceToken,
    commit: SyncCommit & { held: boolean },
  ): Promise<GenerationId | null> {
    return this.roles.commitGeneration(vpd, generation, fence, commit);
  }

  dropGeneration(vpd: string, generation: GenerationId, fence?: FenceToken): Promise<void> {
    return this.roles.dropGeneration(vpd, generation, fence);
  }

  markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[], ttlMs: number): Promise<void> {
    return this.roles.markSeen(vpd, scratch, refs, ttlMs);
  }

  stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken, ttlMs: number): Promise<void> {
    return this.roles.stageChanges(vpd, stageId, changes, fence, ttlMs);
  }

  applyChanges(
    vpd: string,
    fence: FenceToken,
    stageId: string | null,
    changes: CachedRoleChange[],
    nowMs: number,
    commit: SyncCommit,
  ): Promise<ChangeDiff> {
    return this.roles.applyChanges(vpd, fence, stageId, changes, nowMs, commit);
  }

  discardStage(vpd: string, stageId: string): Promise<void> {
    return this.roles.discardStage(vpd, stageId);
  }

  replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number, nowMs: number): Promise<ReplaceRecordsResult> {
    return this.roles.replaceRecords(vpd, records, expectedSeq, nowMs);
  }

  approveHeldRemovals(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }> {
    return this.roles.approveHeld(vpd, fence, count);
  }

  rejectHeldRemovals(vpd: string, fence: FenceToken): Promise<number> {
    return this.roles.rejectHeld(vpd, fence);
  }

  saveSyncRun(run: SyncRunRecord, ttlMs: number): Promise<void> {
    return this.roles.saveRun(run, ttlMs);
  }

  readSyncRun(runId: string): Promise<SyncRunRecord | null> {
    return this.roles.readRun(runId);
  }
}

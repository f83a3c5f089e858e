import type Redis from 'ioredis';
import { RedisConnection } from './redis-connection';
import { RedisRoleChanges } from './redis-role-changes';
import { defineRoleCommands } from './redis-role-commands';
import { RedisRoleGenerations } from './redis-role-generations';
import { RedisRoleReads } from './redis-role-reads';
import { RedisRoleRuns } from './redis-role-runs';
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

/** The role store in Redis, shared by every replica (key layout: redis-role-lua-lib.ts; scripts: redis-role.scripts.ts). */
export class RedisRoleStore extends RoleStore {
  readonly kind = 'redis' as const;
  private readonly reads: RedisRoleReads;
  private readonly runs: RedisRoleRuns;
  private readonly generations: RedisRoleGenerations;
  private readonly changes: RedisRoleChanges;

  constructor(private readonly connection: RedisConnection) {
    super();
    defineRoleCommands(connection.redis);
    const { redis, keyPrefix } = connection;
    this.reads = new RedisRoleReads(redis, keyPrefix);
    this.runs = new RedisRoleRuns(redis, keyPrefix);
    this.generations = new RedisRoleGenerations(redis, keyPrefix);
    this.changes = new RedisRoleChanges(redis, keyPrefix);
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
    return this.reads.readAccess(keys);
  }

  readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>> {
    return this.reads.readVpdSync(vpds, atMs);
  }

  knownSyncVpds(): Promise<string[]> {
    return this.reads.knownVpds();
  }

  lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>> {
    return this.reads.lookupRoles(vpd, assignmentIds);
  }

  markSyncStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void> {
    return this.runs.markStarted(vpd, fence, runId, at, progress);
  }

  reportSyncProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void> {
    return this.runs.reportProgress(vpd, fence, progress);
  }

  markSyncFailed(vpd: string, fence: FenceToken, _at: string, error: string, lastRun: SyncLastRun): Promise<number> {
    return this.runs.markFailed(vpd, fence, error, lastRun);
  }

  beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }> {
    return this.generations.beginGeneration(vpd, fence);
  }

  writeGeneration(
    vpd: string,
    generation: GenerationId,
    roles: CachedRole[],
    fence: FenceToken,
    nowMs: number,
    progress?: SyncProgress,
  ): Promise<GenerationBatchDiff> {
    return this.generations.writeGeneration(vpd, generation, roles, fence, nowMs, progress);
  }

  scanRemovals(vpd: string, generation: GenerationId, cursor: string, count: number): Promise<{ cursor: string; removed: RoleRef[] }> {
    return this.generations.scanRemovals(vpd, generation, cursor, count);
  }

  holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[], fence: FenceToken, nowMs: number): Promise<number> {
    return this.generations.holdRemovals(vpd, generation, assignmentIds, fence, nowMs);
  }

  commitGeneration(
    vpd: string,
    generation: GenerationId,
    fence: FenceToken,
    commit: SyncCommit & { held: boolean },
  ): Promise<GenerationId | null> {
    return this.generations.commitGeneration(vpd, generation, fence, commit);
  }

  dropGeneration(vpd: string, generation: GenerationId, fence?: FenceToken): Promise<void> {
    return this.generations.dropGeneration(vpd, generation, fence);
  }

  markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[], ttlMs: number): Promise<void> {
    return this.generations.markSeen(vpd, scratch, refs, ttlMs);
  }

  stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken, ttlMs: number): Promise<void> {
    return this.changes.stageChanges(vpd, stageId, changes, fence, ttlMs);
  }

  applyChanges(
    vpd: string,
    fence: FenceToken,
    stageId: string | null,
    changes: CachedRoleChange[],
    nowMs: number,
    commit: SyncCommit,
  ): Promise<ChangeDiff> {
    return this.changes.applyChanges(vpd, fence, stageId, changes, nowMs, commit);
  }

  discardStage(vpd: string, stageId: string): Promise<void> {
    return this.changes.discardStage(vpd, stageId);
  }

  replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number, nowMs: number): Promise<ReplaceRecordsResult> {
    return this.changes.replaceRecords(vpd, records, expectedSeq, nowMs);
  }

  approveHeldRemovals(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }> {
    return this.generations.approveHeld(vpd, fence, count);
  }

  rejectHeldRemovals(vpd: string, fence: FenceToken): Promise<number> {
    return this.generations.rejectHeld(vpd, fence);
  }

  saveSyncRun(run: SyncRunRecord, ttlMs: number): Promise<void> {
    return this.runs.saveRun(run, ttlMs);
  }

  readSyncRun(runId: string): Promise<SyncRunRecord | null> {
    return this.runs.readRun(runId);
  }
}

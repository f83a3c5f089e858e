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

/** The generation a write addressed is no longer the one being built (another run took over). */
export class GenerationMismatchError extends Error {
  constructor(
    readonly vpd: string,
    readonly generation: GenerationId,
  ) {
    super(`generation ${generation} of VPD ${vpd} is not being built any more`);
    this.name = 'GenerationMismatchError';
  }
}

/**
 * The role store: per VPD, generations of Digital Passport Administrator role rows and the sync
 * metadata kept with them (so both change atomically), plus sync run records. Two implementations:
 * Redis (production, shared by replicas) and in-process (embedded default, single instance); one
 * contract suite (test/role-store) runs against both. Writes marked "fenced" take the sync lease's
 * fencing token (LeaseStore) and throw StaleFenceError, changing nothing, when a newer one exists.
 */
export abstract class RoleStore {
  abstract readonly kind: 'redis' | 'memory';

  /** Resolves when the store answers (Redis: the connection shared with the lease store and rate counter); rejects otherwise (readiness). */
  abstract ping(): Promise<void>;

  /**
   * Role data and VPD freshness for these ESR records, read in ONE round trip and consistently
   * (never half of an in-progress generation switch).
   */
  abstract readAccess(keys: RecordKey[]): Promise<AccessSnapshot>;

  /** Sync state and counts (at `atMs`) of these VPDs, in one round trip; absent VPDs get an empty state. */
  abstract readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>>;

  /** Every VPD the sync has touched. */
  abstract knownSyncVpds(): Promise<string[]>;

  /** The live rows of these assignments of a VPD (absent when not cached). */
  abstract lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>>;

  /** Fenced. Marks a run as working on the VPD (state RUNNING, lastAttemptAt). */
  abstract markSyncStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void>;

  /** Fenced. Live progress of the run working on the VPD. */
  abstract reportSyncProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void>;

  /** Fenced. Records a failed attempt (data untouched); returns the consecutive failure count. */
  abstract markSyncFailed(vpd: string, fence: FenceToken, at: string, error: string, lastRun: SyncLastRun): Promise<number>;

  /**
   * Fenced. Starts a new generation for a full run: drops every generation that is not live
   * (left-overs of crashed or failed runs) and returns the new one's id.
   */
  abstract beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }>;

  /**
   * Fenced. Writes a batch of rows into the generation being built and reports the diff against the
   * live generation. Rows of people refreshed meanwhile (refreshRecords) are kept as refreshed.
   */
  abstract writeGeneration(
    vpd: string,
    generation: GenerationId,
    roles: CachedRole[],
    fence: FenceToken,
    nowMs: number,
    progress?: SyncProgress,
  ): Promise<GenerationBatchDiff>;

  /**
   * Live rows missing from `generation`, a chunk at a time (cursor '0' to start; done when the
   * returned cursor is '0'). Read-only; memory bounded by `count`.
   */
  abstract scanRemovals(
    vpd: string,
    generation: GenerationId,
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; removed: RoleRef[] }>;

  /** Fenced. Carries these live rows over into the generation being built and records them as held removals. */
  abstract holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[], fence: FenceToken, nowMs: number): Promise<number>;

  /**
   * Fenced. Atomically makes `generation` live with its watermark and sync state (held removals
   * recorded by holdRemovals become the VPD's held removals when `held`, else are cleared).
   * Returns the previous live generation, for dropGeneration.
   */
  abstract commitGeneration(
    vpd: string,
    generation: GenerationId,
    fence: FenceToken,
    commit: SyncCommit & { held: boolean },
  ): Promise<GenerationId | null>;

  /**
   * Drops a generation that is not live (no-op for the live one). The generation being built is
   * dropped only with a current fencing token (a failed run abandoning its own build).
   */
  abstract dropGeneration(vpd: string, generation: GenerationId, fence?: FenceToken): Promise<void>;

  /** Records assignment ids seen by a dry run in a scratch generation (expires after ttlMs). */
  abstract markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[], ttlMs: number): Promise<void>;

  /** Fenced. Stages changes of a long incremental run (expires after ttlMs); applyChanges applies them. */
  abstract stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken, ttlMs: number): Promise<void>;

  /**
   * Fenced. Applies staged changes (stageId) then `changes`, in order, to the live generation and
   * stores the new watermark and sync state (commit.lastRun with the applied counts filled in), all
   * atomically. An upsert older than the cached row (lastUpdatedAt) is ignored. Deletes and upserts
   * also withdraw held removals of those rows.
   */
  abstract applyChanges(
    vpd: string,
    fence: FenceToken,
    stageId: string | null,
    changes: CachedRoleChange[],
    nowMs: number,
    commit: SyncCommit,
  ): Promise<ChangeDiff>;

  /** Drops staged changes of an abandoned incremental run. */
  abstract discardStage(vpd: string, stageId: string): Promise<void>;

  /**
   * Replaces these people's rows in the live generation (and in a generation being built, where they
   * then win over the listing), unless the live data changed since `expectedSeq` was read
   * ('conflict': read again and retry). 'not-synced' when the VPD has no data at all. Removals of
   * these people's rows held by the removal guard are withdrawn (ESR was just asked about them).
   */
  abstract replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number, nowMs: number): Promise<ReplaceRecordsResult>;

  /** Fenced. Applies up to `count` held removals; returns how many rows went and how many are still held. */
  abstract approveHeldRemovals(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }>;

  /** Fenced. Discards the held removals (the rows stay); returns how many there were. */
  abstract rejectHeldRemovals(vpd: string, fence: FenceToken): Promise<number>;

  /** Keeps a run record readable by every replica for ttlMs. */
  abstract saveSyncRun(run: SyncRunRecord, ttlMs: number): Promise<void>;

  abstract readSyncRun(runId: string): Promise<SyncRunRecord | null>;
}

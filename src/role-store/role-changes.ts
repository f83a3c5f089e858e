import type { FenceToken } from './lease-store';
import type { CachedRoleChange, ChangeCommit, ChangeDiff, RecordRoles, ReplaceRecordsResult } from './sync-records.types';

/**
 * Changes to the live role data between full runs: an incremental run's changes (staged, then
 * applied or discarded) and whole records replaced after ESR was asked about them. Writes marked
 * "fenced" take the sync lease's fencing token (LeaseStore) and throw StaleFenceError, changing
 * nothing, when a newer one exists. Implemented for Redis (RedisRoleChanges) and in-process
 * (MemoryRoleChanges).
 */
export abstract class RoleChanges {
  /** Fenced. Stages changes of a long incremental run (expires after ttlMs); applyChanges applies them. */
  abstract stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken, ttlMs: number): Promise<void>;

  /**
   * Fenced. Applies staged changes (stageId) then `changes`, in order, to the live generation and
   * stores the new watermark and sync state (commit.lastRun with the applied counts filled in), all
   * atomically. An upsert older than the cached row (lastUpdatedAt) is ignored. Upserts withdraw held
   * removals of those rows. Deletes remove the row and withdraw its held removal, except with
   * commit.holdRemovals: then a delete of a row that was live before this apply keeps the row and
   * joins the held removals (the VPD's heldSince and heldRun are set if nothing was held yet), and
   * lastRun.outcome becomes 'held' when any did.
   */
  abstract applyChanges(
    vpd: string,
    fence: FenceToken,
    stageId: string | null,
    changes: CachedRoleChange[],
    nowMs: number,
    commit: ChangeCommit,
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
}

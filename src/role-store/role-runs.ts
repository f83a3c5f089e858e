import type { FenceToken } from './lease-store';
import type { SyncLastRun, SyncProgress, SyncRunRecord } from './sync-records.types';

/**
 * A sync run's records: its state in each VPD's sync metadata (started, progress, failed) and the
 * run record every replica can read. Writes marked "fenced" take the sync lease's fencing token
 * (LeaseStore) and throw StaleFenceError, changing nothing, when a newer one exists.
 * Implemented for Redis (RedisRoleRuns) and in-process (MemoryRoleRuns).
 */
export abstract class RoleRuns {
  /** Fenced. Marks a run as working on the VPD (state RUNNING, lastAttemptAt). */
  abstract markSyncStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void>;

  /** Fenced. Live progress of the run working on the VPD. */
  abstract reportSyncProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void>;

  /** Fenced. Records a failed attempt (data untouched); returns the consecutive failure count. */
  abstract markSyncFailed(vpd: string, fence: FenceToken, at: string, error: string, lastRun: SyncLastRun): Promise<number>;

  /** Keeps a run record readable by every replica for ttlMs. */
  abstract saveSyncRun(run: SyncRunRecord, ttlMs: number): Promise<void>;

  abstract readSyncRun(runId: string): Promise<SyncRunRecord | null>;
}

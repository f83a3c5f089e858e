import type { FenceToken } from './lease-store';
import type { CachedRole } from './role.types';
import type { GenerationBatchDiff, GenerationId, RoleRef, SyncCommit, SyncProgress } from './sync-records.types';

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
 * A full sync's generations of a VPD's role rows: begin, write, scan and hold removals, commit
 * (the atomic switch), drop; dry runs' lists of assignments seen; the held removals afterwards
 * (approve, reject). Writes marked "fenced" take the sync lease's fencing token (LeaseStore) and
 * throw StaleFenceError, changing nothing, when a newer one exists. Implemented for Redis
 * (RedisRoleGenerations) and in-process (MemoryRoleGenerations).
 */
export abstract class RoleGenerations {
  /**
   * Fenced. Starts a new generation for a full run: drops every generation that is not live
   * (left-overs of crashed or failed runs) and returns the new one's id.
   */
  abstract beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }>;

  /**
   * Fenced. Writes a batch of rows into the generation being built and reports the diff against the
   * live generation. Rows of people refreshed meanwhile (RoleChanges.replaceRecords) are kept as refreshed.
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

  /** Fenced. Applies up to `count` held removals; returns how many rows went and how many are still held. */
  abstract approveHeldRemovals(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }>;

  /** Fenced. Discards the held removals (the rows stay); returns how many there were. */
  abstract rejectHeldRemovals(vpd: string, fence: FenceToken): Promise<number>;
}

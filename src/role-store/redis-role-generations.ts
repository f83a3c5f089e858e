import type { FenceToken } from './lease.store';
import type { CachedRole } from './role.types';
import { encodeRole } from './role-row.codec';
import { RedisRoleCommands, VPDS_KEY } from './redis-role-commands';
import type { GenerationBatchDiff, GenerationId, RoleRef, SyncCommit, SyncProgress } from './sync-records.types';

/**
 * A full sync's generations in Redis: begin, write, scan and hold removals, commit (the atomic
 * switch), drop; dry runs' lists of assignments seen; the held removals afterwards (approve, reject).
 */
export class RedisRoleGenerations extends RedisRoleCommands {
  async beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }> {
    const [generation, dropped] = await this.fenced(fence, () =>
      this.redis.roleBeginGeneration(this.fenceKey(fence), this.metaKey(vpd), VPDS_KEY, fence.fence, this.base(vpd), vpd),
    );
    return { generation: String(generation), dropped: Number(dropped) };
  }

  async writeGeneration(
    vpd: string,
    generation: GenerationId,
    roles: CachedRole[],
    fence: FenceToken,
    nowMs: number,
    progress?: SyncProgress,
  ): Promise<GenerationBatchDiff> {
    const [added, updated, unchanged, skipped] = await this.fenced(
      fence,
      () =>
        this.redis.roleWriteGeneration(
          this.fenceKey(fence),
          this.metaKey(vpd),
          fence.fence,
          this.base(vpd),
          generation,
          Math.floor(nowMs),
          progress ? JSON.stringify(progress) : '',
          ...roles.map(encodeRole),
        ),
      { vpd, generation },
    );
    return { added, updated, unchanged, skipped };
  }

  async scanRemovals(
    vpd: string,
    generation: GenerationId,
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; removed: RoleRef[] }> {
    const [next, ...pairs] = await this.redis.roleScanRemovals(this.metaKey(vpd), this.base(vpd), generation, cursor, count);
    const removed: RoleRef[] = [];
    for (let i = 0; i < pairs.length; i += 2) removed.push({ assignmentId: pairs[i], employeeNumber: pairs[i + 1] });
    return { cursor: String(next), removed };
  }

  async holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[], fence: FenceToken, nowMs: number): Promise<number> {
    if (assignmentIds.length === 0) return 0;
    return this.fenced(
      fence,
      () =>
        this.redis.roleHoldRemovals(
          this.fenceKey(fence),
          this.metaKey(vpd),
          fence.fence,
          this.base(vpd),
          generation,
          Math.floor(nowMs),
          ...assignmentIds,
        ),
      { vpd, generation },
    );
  }

  async commitGeneration(
    vpd: string,
    generation: GenerationId,
    fence: FenceToken,
    commit: SyncCommit & { held: boolean },
  ): Promise<GenerationId | null> {
    const previous = await this.fenced(
      fence,
      () =>
        this.redis.roleCommitGeneration(
          this.fenceKey(fence),
          this.metaKey(vpd),
          fence.fence,
          this.base(vpd),
          generation,
          commit.watermark,
          commit.at,
          JSON.stringify(commit.lastRun),
          commit.held ? '1' : '0',
        ),
      { vpd, generation },
    );
    return previous === null ? null : String(previous);
  }

  async dropGeneration(vpd: string, generation: GenerationId, fence?: FenceToken): Promise<void> {
    await this.redis.roleDropGeneration(
      this.metaKey(vpd),
      fence ? this.fenceKey(fence) : this.metaKey(vpd),
      this.base(vpd),
      generation,
      fence ? fence.fence : '',
    );
  }

  async markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[], ttlMs: number): Promise<void> {
    if (refs.length === 0) return;
    const key = `sync:vpd:${vpd}:g:${scratch}:aidx`;
    await this.redis
      .multi()
      .hset(key, ...refs.flatMap((r) => [r.assignmentId, r.employeeNumber]))
      .pexpire(key, ttlMs)
      .exec();
  }

  async approveHeld(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }> {
    const [removed, remaining] = await this.fenced(fence, () =>
      this.redis.roleApproveHeld(this.fenceKey(fence), this.metaKey(vpd), fence.fence, this.base(vpd), count),
    );
    return { removed, remaining };
  }

  async rejectHeld(vpd: string, fence: FenceToken): Promise<number> {
    return this.fenced(fence, () => this.redis.roleRejectHeld(this.fenceKey(fence), this.metaKey(vpd), fence.fence, this.base(vpd)));
  }
}

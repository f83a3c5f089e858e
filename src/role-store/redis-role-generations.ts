import type { FenceToken } from './lease-store';
import type { CachedRole } from './role.types';
import { encodeRole } from './role-row-codec';
import { fenced } from './redis-commands';
import type { RedisConnection } from './redis-connection';
import { FAMILY_SIZE } from './redis-keys';
import { RoleGenerations } from './role-generations';
import type { GenerationBatchDiff, GenerationId, RoleRef, SyncCommit, SyncProgress } from './sync-records.types';

/**
 * A full sync's generations in Redis: begin, write, scan and hold removals, commit (the atomic
 * switch), drop; dry runs' lists of assignments seen; the held removals afterwards (approve, reject).
 */
export class RedisRoleGenerations extends RoleGenerations {
  constructor(private readonly connection: RedisConnection) {
    super();
  }

  async beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }> {
    const { redis, keys } = this.connection;
    const [generation, dropped] = await fenced(fence, () =>
      redis.roleBeginGeneration(2 + FAMILY_SIZE, keys.leaseFence(fence.name), keys.vpds, ...keys.vpdFamily(vpd), fence.fence, vpd),
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
    const { redis, keys } = this.connection;
    const [added, updated, unchanged, skipped] = await fenced(
      fence,
      () =>
        redis.roleWriteGeneration(
          1 + FAMILY_SIZE,
          keys.leaseFence(fence.name),
          ...keys.vpdFamily(vpd),
          fence.fence,
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
    const { redis, keys } = this.connection;
    const [next, ...pairs] = await redis.roleScanRemovals(
      1 + FAMILY_SIZE,
      keys.vpdSeen(vpd, generation),
      ...keys.vpdFamily(vpd),
      generation,
      cursor,
      count,
    );
    const removed: RoleRef[] = [];
    for (let i = 0; i < pairs.length; i += 2) removed.push({ assignmentId: pairs[i], employeeNumber: pairs[i + 1] });
    return { cursor: String(next), removed };
  }

  async holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[], fence: FenceToken, nowMs: number): Promise<number> {
    const { redis, keys } = this.connection;
    if (assignmentIds.length === 0) return 0;
    return fenced(
      fence,
      () =>
        redis.roleHoldRemovals(
          1 + FAMILY_SIZE,
          keys.leaseFence(fence.name),
          ...keys.vpdFamily(vpd),
          fence.fence,
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
    const { redis, keys } = this.connection;
    const previous = await fenced(
      fence,
      () =>
        redis.roleCommitGeneration(
          1 + FAMILY_SIZE,
          keys.leaseFence(fence.name),
          ...keys.vpdFamily(vpd),
          fence.fence,
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
    const { redis, keys } = this.connection;
    await redis.roleDropGeneration(
      2 + FAMILY_SIZE,
      fence ? keys.leaseFence(fence.name) : keys.vpdMeta(vpd),
      keys.vpdSeen(vpd, generation),
      ...keys.vpdFamily(vpd),
      generation,
      fence ? fence.fence : '',
    );
  }

  async markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[], ttlMs: number): Promise<void> {
    const { redis, keys } = this.connection;
    if (refs.length === 0) return;
    const key = keys.vpdSeen(vpd, scratch);
    await redis
      .multi()
      .hset(key, ...refs.flatMap((r) => [r.assignmentId, r.employeeNumber]))
      .pexpire(key, ttlMs)
      .exec();
  }

  async approveHeldRemovals(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }> {
    const { redis, keys } = this.connection;
    const [removed, remaining] = await fenced(fence, () =>
      redis.roleApproveHeld(1 + FAMILY_SIZE, keys.leaseFence(fence.name), ...keys.vpdFamily(vpd), fence.fence, count),
    );
    return { removed, remaining };
  }

  async rejectHeldRemovals(vpd: string, fence: FenceToken): Promise<number> {
    const { redis, keys } = this.connection;
    return fenced(fence, () => redis.roleRejectHeld(1 + FAMILY_SIZE, keys.leaseFence(fence.name), ...keys.vpdFamily(vpd), fence.fence));
  }
}

import type { FenceToken } from './lease-store';
import { encodeRole } from './role-row-codec';
import { fenced } from './redis-commands';
import type { RedisConnection } from './redis-connection';
import { RoleChanges } from './role-changes';
import type { CachedRoleChange, ChangeCommit, ChangeDiff, RecordRoles, ReplaceRecordsResult } from './sync-records.types';

/** Incremental changes to the live role data in Redis: stage, apply (or discard) a stage, replace whole records. */
export class RedisRoleChanges extends RoleChanges {
  constructor(private readonly connection: RedisConnection) {
    super();
  }

  async stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken, ttlMs: number): Promise<void> {
    const { redis, keys } = this.connection;
    if (changes.length === 0) return;
    const args = changes.flatMap((c) => (c.op === 'delete' ? [c.assignmentId, 'd'] : [c.role.assignmentId, `u${encodeRole(c.role)}`]));
    await fenced(fence, () =>
      redis.roleStageChanges(keys.leaseFence(fence.name), keys.vpdStage(vpd, stageId), fence.fence, ttlMs, ...args),
    );
  }

  async applyChanges(
    vpd: string,
    fence: FenceToken,
    stageId: string | null,
    changes: CachedRoleChange[],
    nowMs: number,
    commit: ChangeCommit,
  ): Promise<ChangeDiff> {
    const { redis, keys } = this.connection;
    const args = changes.flatMap((c) => (c.op === 'delete' ? ['d', c.assignmentId] : ['u', encodeRole(c.role)]));
    const family = keys.vpdFamily(vpd);
    const stage = stageId === null ? keys.vpdMeta(vpd) : keys.vpdStage(vpd, stageId);
    const [added, updated, removed, unchanged, held] = await fenced(fence, () =>
      redis.roleApplyChanges(
        2 + family.length,
        keys.leaseFence(fence.name),
        stage,
        ...family,
        fence.fence,
        Math.floor(nowMs),
        commit.watermark,
        commit.at,
        JSON.stringify(commit.lastRun),
        stageId ?? '',
        commit.holdRemovals ? '1' : '0',
        ...args,
      ),
    );
    return { added, updated, removed, unchanged, held };
  }

  async discardStage(vpd: string, stageId: string): Promise<void> {
    const { redis, keys } = this.connection;
    await redis.unlink(keys.vpdStage(vpd, stageId));
  }

  async replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number, nowMs: number): Promise<ReplaceRecordsResult> {
    const { redis, keys } = this.connection;
    const family = keys.vpdFamily(vpd);
    const args: Array<string | number> = [...family, expectedSeq, Math.floor(nowMs)];
    for (const record of records) args.push(record.employeeNumber, record.roles.length, ...record.roles.map(encodeRole));
    return redis.roleReplaceRecords(family.length, ...args);
  }
}

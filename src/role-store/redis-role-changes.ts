import type { FenceToken } from './lease.store';
import { encodeRole } from './role-row.codec';
import { RedisRoleCommands } from './redis-role-commands';
import type { CachedRoleChange, ChangeDiff, RecordRoles, ReplaceRecordsResult, SyncCommit } from './sync-records.types';

/** Incremental changes to the live role data in Redis: stage, apply (or discard) a stage, replace whole records. */
export class RedisRoleChanges extends RedisRoleCommands {
  async stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken, ttlMs: number): Promise<void> {
    if (changes.length === 0) return;
    const args = changes.flatMap((c) => (c.op === 'delete' ? [c.assignmentId, 'd'] : [c.role.assignmentId, `u${encodeRole(c.role)}`]));
    await this.fenced(fence, () =>
      this.redis.roleStageChanges(this.fenceKey(fence), this.stageKey(vpd, stageId), fence.fence, ttlMs, ...args),
    );
  }

  async applyChanges(
    vpd: string,
    fence: FenceToken,
    stageId: string | null,
    changes: CachedRoleChange[],
    nowMs: number,
    commit: SyncCommit,
  ): Promise<ChangeDiff> {
    const args = changes.flatMap((c) => (c.op === 'delete' ? ['d', c.assignmentId] : ['u', encodeRole(c.role)]));
    const [added, updated, removed, unchanged] = await this.fenced(fence, () =>
      this.redis.roleApplyChanges(
        this.fenceKey(fence),
        this.metaKey(vpd),
        fence.fence,
        this.base(vpd),
        Math.floor(nowMs),
        commit.watermark,
        commit.at,
        JSON.stringify(commit.lastRun),
        stageId ?? '',
        ...args,
      ),
    );
    return { added, updated, removed, unchanged };
  }

  async discardStage(vpd: string, stageId: string): Promise<void> {
    await this.redis.unlink(this.stageKey(vpd, stageId));
  }

  async replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number, nowMs: number): Promise<ReplaceRecordsResult> {
    const args: Array<string | number> = [this.base(vpd), expectedSeq, Math.floor(nowMs)];
    for (const record of records) args.push(record.employeeNumber, record.roles.length, ...record.roles.map(encodeRole));
    return this.redis.roleReplaceRecords(this.metaKey(vpd), ...args);
  }
}

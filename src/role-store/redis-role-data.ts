import type Redis from 'ioredis';
import { FenceToken, StaleFenceError } from './lease.store';
import { redisFenceKey } from './redis-lease.store';
import { GenerationMismatchError } from './role-store';
import type { AccessSnapshot, CachedRole, RecordKey } from './role.types';
import { recordKey } from './role.types';
import { decodeRoles, encodeRole, fromStoredRole, StoredRole } from './role-row.codec';
import * as scripts from './redis-role.scripts';
import {
  CachedRoleChange,
  ChangeDiff,
  deriveSyncState,
  emptyVpdMeta,
  GenerationBatchDiff,
  GenerationId,
  RecordRoles,
  ReplaceRecordsResult,
  RoleRef,
  SyncCommit,
  SyncLastRun,
  SyncProgress,
  SyncRunRecord,
  VpdSyncMeta,
  VpdSyncRecord,
} from './sync-records.types';

type Reply = string | number | null | Reply[];

/** The scripted commands the role data uses (defined by RedisRoleData.define). */
interface RoleCommands {
  roleReadAccess(numKeys: number, ...args: Array<string | number>): Promise<Reply[]>;
  roleReadVpdSync(numKeys: number, ...args: Array<string | number>): Promise<Reply[]>;
  roleLookup(meta: string, base: string, ...ids: string[]): Promise<Array<string | null>>;
  roleMarkStarted(fence: string, meta: string, vpds: string, ...args: Array<string | number>): Promise<number>;
  roleReportProgress(fence: string, meta: string, ...args: Array<string | number>): Promise<number>;
  roleMarkFailed(fence: string, meta: string, ...args: Array<string | number>): Promise<number>;
  roleBeginGeneration(fence: string, meta: string, vpds: string, ...args: Array<string | number>): Promise<[string, number]>;
  roleWriteGeneration(fence: string, meta: string, ...args: Array<string | number>): Promise<[number, number, number, number]>;
  roleScanRemovals(meta: string, ...args: Array<string | number>): Promise<string[]>;
  roleHoldRemovals(fence: string, meta: string, ...args: Array<string | number>): Promise<number>;
  roleCommitGeneration(fence: string, meta: string, ...args: Array<string | number>): Promise<string | null>;
  roleDropGeneration(meta: string, fence: string, ...args: Array<string | number>): Promise<number>;
  roleStageChanges(fence: string, stage: string, ...args: Array<string | number>): Promise<number>;
  roleApplyChanges(fence: string, meta: string, ...args: Array<string | number>): Promise<[number, number, number, number]>;
  roleReplaceRecords(meta: string, ...args: Array<string | number>): Promise<ReplaceRecordsResult>;
  roleApproveHeld(fence: string, meta: string, ...args: Array<string | number>): Promise<[number, number]>;
  roleRejectHeld(fence: string, meta: string, ...args: Array<string | number>): Promise<number>;
}

type ScriptedRedis = Redis & RoleCommands;

const VPDS_KEY = 'sync:vpds';
const json = <T>(raw: string | undefined): T | null => (raw ? (JSON.parse(raw) as T) : null);

/** Full key base of a VPD's role data (key prefix included: scripts derive keys from it). */
export const roleVpdBase = (keyPrefix: string, vpd: string): string => `${keyPrefix}sync:vpd:${vpd}:`;

/** A VPD's meta key (without the key prefix, which the connection adds). */
export const roleMetaKey = (vpd: string): string => `sync:vpd:${vpd}:meta`;

/**
 * Adds one VPD of a READ_ACCESS-shaped reply (meta fields gen, running, lastOutcome, heldRemovals,
 * lastSuccessAt, lastFullSyncAt; then the encoded rows of `employees`, in order) to `snapshot`.
 */
export function addAccessReply(
  snapshot: AccessSnapshot,
  vpd: string,
  employees: string[],
  meta: Array<string | null>,
  rows: Array<string | null>,
): void {
  const [generation, running, lastOutcome, heldRemovals, lastSuccessAt, lastFullSyncAt] = meta;
  if (!generation) return;
  snapshot.vpds.set(vpd, {
    vpd,
    state: deriveSyncState({
      running: running ?? null,
      lastOutcome: (lastOutcome as VpdSyncMeta['lastOutcome']) ?? null,
      heldRemovals: Number(heldRemovals ?? 0),
    }),
    lastSuccessAt: lastSuccessAt ?? null,
    lastFullSyncAt: lastFullSyncAt ?? null,
  });
  employees.forEach((employeeNumber, k) => {
    const raw = rows[k];
    if (raw) snapshot.roles.set(recordKey(vpd, employeeNumber), decodeRoles(raw));
  });
}

/** The role sync's data in Redis (layout and scripts: redis-role.scripts.ts). */
export class RedisRoleData {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    this.redis = redis as ScriptedRedis;
  }

  /** Registers the scripts on the connection (EVALSHA with EVAL fallback). */
  static define(redis: Redis): void {
    redis.defineCommand('roleReadAccess', { lua: scripts.READ_ACCESS });
    redis.defineCommand('roleReadVpdSync', { lua: scripts.READ_VPD_SYNC });
    redis.defineCommand('roleLookup', { numberOfKeys: 1, lua: scripts.LOOKUP_ROLES });
    redis.defineCommand('roleMarkStarted', { numberOfKeys: 3, lua: scripts.MARK_STARTED });
    redis.defineCommand('roleReportProgress', { numberOfKeys: 2, lua: scripts.REPORT_PROGRESS });
    redis.defineCommand('roleMarkFailed', { numberOfKeys: 2, lua: scripts.MARK_FAILED });
    redis.defineCommand('roleBeginGeneration', { numberOfKeys: 3, lua: scripts.BEGIN_GENERATION });
    redis.defineCommand('roleWriteGeneration', { numberOfKeys: 2, lua: scripts.WRITE_GENERATION });
    redis.defineCommand('roleScanRemovals', { numberOfKeys: 1, lua: scripts.SCAN_REMOVALS });
    redis.defineCommand('roleHoldRemovals', { numberOfKeys: 2, lua: scripts.HOLD_REMOVALS });
    redis.defineCommand('roleCommitGeneration', { numberOfKeys: 2, lua: scripts.COMMIT_GENERATION });
    redis.defineCommand('roleDropGeneration', { numberOfKeys: 2, lua: scripts.DROP_GENERATION });
    redis.defineCommand('roleStageChanges', { numberOfKeys: 2, lua: scripts.STAGE_CHANGES });
    redis.defineCommand('roleApplyChanges', { numberOfKeys: 2, lua: scripts.APPLY_CHANGES });
    redis.defineCommand('roleReplaceRecords', { numberOfKeys: 1, lua: scripts.REPLACE_RECORDS });
    redis.defineCommand('roleApproveHeld', { numberOfKeys: 2, lua: scripts.APPROVE_HELD });
    redis.defineCommand('roleRejectHeld', { numberOfKeys: 2, lua: scripts.REJECT_HELD });
  }

  async readAccess(keys: RecordKey[]): Promise<AccessSnapshot> {
    const snapshot: AccessSnapshot = { vpds: new Map(), roles: new Map() };
    if (keys.length === 0) return snapshot;
    const byVpd = new Map<string, string[]>();
    for (const key of keys) {
      const list = byVpd.get(key.vpd) ?? [];
      if (!list.includes(key.employeeNumber)) list.push(key.employeeNumber);
      byVpd.set(key.vpd, list);
    }
    const vpds = [...byVpd.keys()];
    const args: Array<string | number> = [...vpds.map((v) => this.metaKey(v)), vpds.length, ...vpds.map((v) => this.base(v))];
    for (const vpd of vpds) {
      const employees = byVpd.get(vpd) as string[];
      args.push(employees.length, ...employees);
    }
    const reply = await this.redis.roleReadAccess(vpds.length, ...args);
    vpds.forEach((vpd, v) => {
      const [meta, rows] = reply[v] as [Array<string | null>, Array<string | null>];
      addAccessReply(snapshot, vpd, byVpd.get(vpd) as string[], meta, rows);
    });
    return snapshot;
  }

  async readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>> {
    const out = new Map<string, VpdSyncRecord>();
    if (vpds.length === 0) return out;
    const reply = await this.redis.roleReadVpdSync(
      vpds.length,
      ...vpds.map((v) => this.metaKey(v)),
      Math.floor(atMs),
      ...vpds.map((v) => this.base(v)),
    );
    vpds.forEach((vpd, v) => {
      const [flat, counts] = reply[v] as [string[], number[]];
      const fields = new Map<string, string>();
      for (let i = 0; i < flat.length; i += 2) fields.set(flat[i], flat[i + 1]);
      const meta = this.decodeMeta(vpd, fields);
      const [holders, people, eligible, pending, ended] = counts.map(Number);
      out.set(vpd, {
        ...meta,
        counts:
          meta.generation && counts.length === 5
            ? {
                holders: holders,
                people: people,
                pending: pending,
                active: eligible - pending - ended,
              }
            : null,
      });
    });
    return out;
  }

  async knownVpds(): Promise<string[]> {
    return (await this.redis.smembers(VPDS_KEY)).sort();
  }

  async lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>> {
    const out = new Map<string, CachedRole>();
    if (assignmentIds.length === 0) return out;
    const reply = await this.redis.roleLookup(this.metaKey(vpd), this.base(vpd), ...assignmentIds);
    reply.forEach((raw, i) => {
      if (raw) out.set(assignmentIds[i], fromStoredRole(JSON.parse(raw) as StoredRole));
    });
    return out;
  }

  async markStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void> {
    await this.fenced(fence, () =>
      this.redis.roleMarkStarted(this.fenceKey(fence), this.metaKey(vpd), VPDS_KEY, fence.fence, vpd, runId, at, JSON.stringify(progress)),
    );
  }

  async reportProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void> {
    await this.fenced(fence, () =>
      this.redis.roleReportProgress(this.fenceKey(fence), this.metaKey(vpd), fence.fence, JSON.stringify(progress)),
    );
  }

  async markFailed(vpd: string, fence: FenceToken, error: string, lastRun: SyncLastRun): Promise<number> {
    return this.fenced(fence, () =>
      this.redis.roleMarkFailed(this.fenceKey(fence), this.metaKey(vpd), fence.fence, error, JSON.stringify(lastRun)),
    );
  }

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

  async approveHeld(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }> {
    const [removed, remaining] = await this.fenced(fence, () =>
      this.redis.roleApproveHeld(this.fenceKey(fence), this.metaKey(vpd), fence.fence, this.base(vpd), count),
    );
    return { removed, remaining };
  }

  async rejectHeld(vpd: string, fence: FenceToken): Promise<number> {
    return this.fenced(fence, () => this.redis.roleRejectHeld(this.fenceKey(fence), this.metaKey(vpd), fence.fence, this.base(vpd)));
  }

  async saveRun(run: SyncRunRecord, ttlMs: number): Promise<void> {
    await this.redis.set(`sync:run:${run.runId}`, JSON.stringify(run), 'PX', Math.max(1, Math.floor(ttlMs)));
  }

  async readRun(runId: string): Promise<SyncRunRecord | null> {
    return json<SyncRunRecord>((await this.redis.get(`sync:run:${runId}`)) ?? undefined);
  }

  private decodeMeta(vpd: string, fields: Map<string, string>): VpdSyncMeta {
    const meta = emptyVpdMeta(vpd);
    const text = (name: string): string | null => fields.get(name) ?? null;
    meta.generation = text('gen');
    meta.building = text('building');
    meta.watermark = text('watermark');
    meta.lastAttemptAt = text('lastAttemptAt');
    meta.lastSuccessAt = text('lastSuccessAt');
    meta.lastFullSyncAt = text('lastFullSyncAt');
    meta.consecutiveFailures = Number(fields.get('consecutiveFailures') ?? 0);
    meta.running = text('running');
    meta.lastOutcome = text('lastOutcome') as VpdSyncMeta['lastOutcome'];
    meta.lastError = text('lastError');
    meta.lastRun = json<SyncLastRun>(fields.get('lastRun'));
    meta.progress = json<SyncProgress>(fields.get('progress'));
    meta.heldRemovals = Number(fields.get('heldRemovals') ?? 0);
    meta.heldSince = text('heldSince');
    meta.seq = Number(fields.get('seq') ?? 0);
    return meta;
  }

  /** Full key base of a VPD (with the connection's key prefix, for keys the scripts derive). */
  private base(vpd: string): string {
    return roleVpdBase(this.keyPrefix, vpd);
  }

  private metaKey(vpd: string): string {
    return roleMetaKey(vpd);
  }

  private stageKey(vpd: string, stageId: string): string {
    return `sync:vpd:${vpd}:stage:${stageId}`;
  }

  private fenceKey(fence: FenceToken): string {
    return redisFenceKey(fence.name);
  }

  private async fenced<T>(fence: FenceToken, run: () => Promise<T>, target?: { vpd: string; generation: GenerationId }): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (/\bSTALE_FENCE\b/.test(message)) throw new StaleFenceError(fence.name, fence.fence);
      if (/\bNOT_BUILDING\b/.test(message) && target) throw new GenerationMismatchError(target.vpd, target.generation);
      throw error;
    }
  }
}

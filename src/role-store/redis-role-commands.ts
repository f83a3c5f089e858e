import type Redis from 'ioredis';
import { FenceToken, StaleFenceError } from './lease.store';
import { redisFenceKey } from './redis-lease.store';
import { GenerationMismatchError } from './role-store';
import * as scripts from './redis-role.scripts';
import type { GenerationId, ReplaceRecordsResult } from './sync-records.types';

export type Reply = string | number | null | Reply[];

/** The scripted commands the role data uses (defined by defineRoleCommands). */
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

/** A JSON field or value, or null when there is none. */
export const json = <T>(raw: string | undefined): T | null => (raw ? (JSON.parse(raw) as T) : null);

/** The set of VPDs that have role data. */
export const VPDS_KEY = 'sync:vpds';

/** Full key base of a VPD's role data (key prefix included: scripts derive keys from it). */
export const roleVpdBase = (keyPrefix: string, vpd: string): string => `${keyPrefix}sync:vpd:${vpd}:`;

/** A VPD's meta key (without the key prefix, which the connection adds). */
export const roleMetaKey = (vpd: string): string => `sync:vpd:${vpd}:meta`;

/** Registers the role scripts on the connection (EVALSHA with EVAL fallback). */
export function defineRoleCommands(redis: Redis): void {
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

/**
 * What every part of the role data in Redis shares: the scripted connection, the keys of a VPD and
 * the mapping of script errors to the store's errors.
 */
export abstract class RedisRoleCommands {
  protected readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    this.redis = redis as ScriptedRedis;
  }

  /** Full key base of a VPD (with the connection's key prefix, for keys the scripts derive). */
  protected base(vpd: string): string {
    return roleVpdBase(this.keyPrefix, vpd);
  }

  protected metaKey(vpd: string): string {
    return roleMetaKey(vpd);
  }

  protected stageKey(vpd: string, stageId: string): string {
    return `sync:vpd:${vpd}:stage:${stageId}`;
  }

  protected fenceKey(fence: FenceToken): string {
    return redisFenceKey(fence.name);
  }

  protected async fenced<T>(fence: FenceToken, run: () => Promise<T>, target?: { vpd: string; generation: GenerationId }): Promise<T> {
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

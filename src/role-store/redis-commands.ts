import type { Cluster, Redis } from 'ioredis';
import { FenceToken, StaleFenceError } from './lease-store';
import { GenerationMismatchError } from './role-generations';
import * as esrBudget from './redis-esr-budget.scripts';
import * as lease from './redis-lease.scripts';
import * as mirror from './redis-mirror.scripts';
import * as role from './redis-role.scripts';
import type { GenerationId, ReplaceRecordsResult } from './sync-records.types';

export type Reply = string | number | null | Reply[];

/** One VPD of a mirror read: the VPD, its meta fields (as READ_ACCESS), the employee numbers read, their encoded rows. */
export type MirrorVpdReply = [string, Array<string | null>, string[], Array<string | null>];

/** Every scripted command the gateway sends (registered once per connection by defineScriptedCommands). */
export interface ScriptedCommands {
  roleReadAccess(numKeys: number, ...args: Array<string | number>): Promise<Reply[]>;
  roleReadVpdSync(numKeys: number, ...args: Array<string | number>): Promise<Reply[]>;
  roleLookup(numKeys: number, ...args: string[]): Promise<Array<string | null>>;
  roleMarkStarted(fence: string, meta: string, vpds: string, ...args: Array<string | number>): Promise<number>;
  roleReportProgress(fence: string, meta: string, ...args: Array<string | number>): Promise<number>;
  roleMarkFailed(fence: string, meta: string, ...args: Array<string | number>): Promise<number>;
  roleBeginGeneration(numKeys: number, ...args: Array<string | number>): Promise<[string, number]>;
  roleWriteGeneration(numKeys: number, ...args: Array<string | number>): Promise<[number, number, number, number]>;
  roleScanRemovals(numKeys: number, ...args: Array<string | number>): Promise<string[]>;
  roleHoldRemovals(numKeys: number, ...args: Array<string | number>): Promise<number>;
  roleCommitGeneration(numKeys: number, ...args: Array<string | number>): Promise<string | null>;
  roleDropGeneration(numKeys: number, ...args: Array<string | number>): Promise<number>;
  roleStageChanges(fence: string, stage: string, ...args: Array<string | number>): Promise<number>;
  roleApplyChanges(numKeys: number, ...args: Array<string | number>): Promise<[number, number, number, number, number]>;
  roleReplaceRecords(numKeys: number, ...args: Array<string | number>): Promise<ReplaceRecordsResult>;
  roleApproveHeld(numKeys: number, ...args: Array<string | number>): Promise<[number, number]>;
  roleRejectHeld(numKeys: number, ...args: Array<string | number>): Promise<number>;
  acquireLease(lease: string, fence: string, value: string, ttl: number): Promise<number>;
  renewLease(lease: string, token: string, ttl: number): Promise<number>;
  releaseLease(lease: string, token: string): Promise<number>;
  hitWindow(key: string, windowMs: number, amount: number): Promise<[number, number]>;
  takeEsrBudget(budget: string, ...args: Array<string | number>): Promise<[number, number, number, number]>;
  mirrorRead(numKeys: number, ...args: Array<string | number>): Promise<[Array<[string, string?]>, MirrorVpdReply[] | 'stale', string[]]>;
  mirrorFillAndRead(numKeys: number, ...args: Array<string | number>): Promise<[number, MirrorVpdReply[], string[]]>;
  mirrorHold(numKeys: number, ...args: Array<string | number>): Promise<number>;
  mirrorRelease(numKeys: number, ...args: string[]): Promise<number>;
  mirrorDropIfUnchanged(seq: string, entry: string, version: string, rows: string, ttlMs: number): Promise<number>;
  mirrorClearStaleHolds(seq: string, entry: string, heldBeforeMs: number, ttlMs: number): Promise<number>;
}

/** A Redis client: one server (standalone, or the primary Sentinel names) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** A client with every script of the gateway registered. */
export type ScriptedRedis = RedisClient & ScriptedCommands;

/**
 * Registers every script on the client (EVALSHA with EVAL fallback; on a Cluster, sent to the node of
 * the first key's slot, which holds every key: they share one hash tag); the Lua is in the *.scripts.ts
 * files beside this. Scripts without a fixed number of keys take it as their first argument.
 */
export function defineScriptedCommands(redis: RedisClient): ScriptedRedis {
  const define = (name: keyof ScriptedCommands, lua: string, numberOfKeys?: number): void =>
    redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
  define('roleReadAccess', role.READ_ACCESS);
  define('roleReadVpdSync', role.READ_VPD_SYNC);
  define('roleLookup', role.LOOKUP_ROLES);
  define('roleMarkStarted', role.MARK_STARTED, 3);
  define('roleReportProgress', role.REPORT_PROGRESS, 2);
  define('roleMarkFailed', role.MARK_FAILED, 2);
  define('roleBeginGeneration', role.BEGIN_GENERATION);
  define('roleWriteGeneration', role.WRITE_GENERATION);
  define('roleScanRemovals', role.SCAN_REMOVALS);
  define('roleHoldRemovals', role.HOLD_REMOVALS);
  define('roleCommitGeneration', role.COMMIT_GENERATION);
  define('roleDropGeneration', role.DROP_GENERATION);
  define('roleStageChanges', role.STAGE_CHANGES, 2);
  define('roleApplyChanges', role.APPLY_CHANGES);
  define('roleReplaceRecords', role.REPLACE_RECORDS);
  define('roleApproveHeld', role.APPROVE_HELD);
  define('roleRejectHeld', role.REJECT_HELD);
  define('acquireLease', lease.ACQUIRE_LEASE, 2);
  define('renewLease', lease.RENEW_LEASE, 1);
  define('releaseLease', lease.RELEASE_LEASE, 1);
  define('hitWindow', lease.HIT_WINDOW, 1);
  define('takeEsrBudget', esrBudget.TAKE_ESR_BUDGET, 1);
  define('mirrorRead', mirror.READ);
  define('mirrorFillAndRead', mirror.FILL_AND_READ);
  define('mirrorHold', mirror.HOLD);
  define('mirrorRelease', mirror.RELEASE);
  define('mirrorDropIfUnchanged', mirror.DROP_IF_UNCHANGED, 2);
  define('mirrorClearStaleHolds', mirror.CLEAR_STALE_HOLDS, 2);
  return redis as ScriptedRedis;
}

/** A JSON field or value, or null when there is none. */
export const json = <T>(raw: string | undefined): T | null => (raw ? (JSON.parse(raw) as T) : null);

/** Runs a fenced script, mapping its STALE_FENCE and NOT_BUILDING errors to the stores' errors. */
export async function fenced<T>(fence: FenceToken, run: () => Promise<T>, target?: { vpd: string; generation: GenerationId }): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/\bSTALE_FENCE\b/.test(message)) throw new StaleFenceError(fence.name, fence.fence);
    if (/\bNOT_BUILDING\b/.test(message) && target) throw new GenerationMismatchError(target.vpd, target.generation);
    throw error;
  }
}

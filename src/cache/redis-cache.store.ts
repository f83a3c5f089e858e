import { randomUUID } from 'node:crypto';
import Redis, { RedisOptions } from 'ioredis';
import { CacheStore, Lease, RateWindow } from './cache.store';
import { RedisRoleData } from './redis-role-data';
import type { AccessSnapshot, CachedRole, RecordKey } from './role-cache.types';
import type {
  CachedRoleChange,
  ChangeDiff,
  FenceToken,
  GenerationBatchDiff,
  GenerationId,
  RecordRoles,
  ReplaceRecordsResult,
  RoleRef,
  SyncCommit,
  SyncLastRun,
  SyncProgress,
  SyncRunRecord,
  VpdSyncRecord,
} from './sync-state.types';

const ACQUIRE_LEASE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;
const RENEW_LEASE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;
const RELEASE_LEASE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;
const HIT = `
local n = redis.call('INCRBY', KEYS[1], tonumber(ARGV[2] or '1'))
if n == tonumber(ARGV[2] or '1') then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

type ScriptedRedis = Redis & {
  acquireLease(lease: string, fence: string, value: string, ttl: number): Promise<number>;
  renewLease(lease: string, token: string, ttl: number): Promise<number>;
  releaseLease(lease: string, token: string): Promise<number>;
  hitWindow(key: string, windowMs: number, amount: number): Promise<[number, number]>;
};

export interface RedisCacheOptions {
  url: string;
  keyPrefix: string;
  /** How long one command may wait before it fails (so a dead Redis fails fast). */
  commandTimeoutMs?: number;
}

/**
 * Redis-backed cache, shared by every replica. Commands fail fast while Redis is unreachable
 * (no offline queue), and the client keeps reconnecting in the background.
 */
export class RedisCacheStore extends CacheStore {
  readonly kind = 'redis' as const;
  readonly redis: ScriptedRedis;
  readonly keyPrefix: string;
  private readonly roles: RedisRoleData;

  constructor(options: RedisCacheOptions) {
    super();
    this.keyPrefix = options.keyPrefix;
    const redisOptions: RedisOptions = {
      keyPrefix: options.keyPrefix,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 2000),
    };
    this.redis = new Redis(options.url, redisOptions) as ScriptedRedis;
    this.redis.on('error', () => {
      /* surfaced through ping() and failed commands; ioredis keeps reconnecting */
    });
    this.redis.defineCommand('acquireLease', { numberOfKeys: 2, lua: ACQUIRE_LEASE });
    this.redis.defineCommand('renewLease', { numberOfKeys: 1, lua: RENEW_LEASE });
    this.redis.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE });
    this.redis.defineCommand('hitWindow', { numberOfKeys: 1, lua: HIT });
    RedisRoleData.define(this.redis);
    this.roles = new RedisRoleData(this.redis, this.keyPrefix);
  }

  /** Connects; a Redis that is down at start-up is not fatal (readiness reports it). */
  async connect(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect().catch(() => undefined);
  }

  async ping(): Promise<void> {
    if (this.redis.status === 'wait') await this.connect();
    await this.redis.ping();
  }

  /** Sends QUIT and waits for the connection to end (forcing it after a second). */
  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    const ended = new Promise<void>((resolve) => this.redis.once('end', () => resolve()));
    const force = setTimeout(() => this.redis.disconnect(), 1000);
    await this.redis.quit().catch(() => this.redis.disconnect());
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1500).unref())]);
    clearTimeout(force);
  }

  async hit(key: string, windowMs: number, amount = 1): Promise<RateWindow> {
    const [count, resetMs] = await this.redis.hitWindow(`rate:${key}`, windowMs, amount);
    return { count, resetMs };
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const token = randomUUID();
    const fence = await this.redis.acquireLease(`lease:${name}`, `lease:${name}:fence`, `${token} ${holder}`, ttlMs);
    return fence > 0 ? { name, token, fence } : null;
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    return (await this.redis.renewLease(`lease:${lease.name}`, `${lease.token} `, ttlMs)) === 1;
  }

  async releaseLease(lease: Lease): Promise<void> {
    await this.redis.releaseLease(`lease:${lease.name}`, `${lease.token} `);
  }

  async leaseHolder(name: string): Promise<string | null> {
    const value = await this.redis.get(`lease:${name}`);
    return value ? value.slice(value.indexOf(' ') + 1) : null;
  }

  async currentFence(name: string): Promise<number> {
    return Number((await this.redis.get(`lease:${name}:fence`)) ?? 0);
  }

  // ---- role sync data (layout: redis-role.scripts.ts) -------------------------------------------

  readAccess(keys: RecordKey[]): Promise<AccessSnapshot> {
    return this.roles.readAccess(keys);
  }

  readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>> {
    return this.roles.readVpdSync(vpds, atMs);
  }

  knownSyncVpds(): Promise<string[]> {
    return this.roles.knownVpds();
  }

  lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>> {
    return this.roles.lookupRoles(vpd, assignmentIds);
  }

  markSyncStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void> {
    return this.roles.markStarted(vpd, fence, runId, at, progress);
  }

  reportSyncProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void> {
    return this.roles.reportProgress(vpd, fence, progress);
  }

  markSyncFailed(vpd: string, fence: FenceToken, _at: string, error: string, lastRun: SyncLastRun): Promise<number> {
    return this.roles.markFailed(vpd, fence, error, lastRun);
  }

  beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }> {
    return this.roles.beginGeneration(vpd, fence);
  }

  writeGeneration(
    vpd: string,
    generation: GenerationId,
    roles: CachedRole[],
    fence: FenceToken,
    nowMs: number,
    progress?: SyncProgress,
  ): Promise<GenerationBatchDiff> {
    return this.roles.writeGeneration(vpd, generation, roles, fence, nowMs, progress);
  }

  scanRemovals(vpd: string, generation: GenerationId, cursor: string, count: number): Promise<{ cursor: string; removed: RoleRef[] }> {
    return this.roles.scanRemovals(vpd, generation, cursor, count);
  }

  holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[], fence: FenceToken, nowMs: number): Promise<number> {
    return this.roles.holdRemovals(vpd, generation, assignmentIds, fence, nowMs);
  }

  commitGeneration(
    vpd: string,
    generation: GenerationId,
    fence: FenceToken,
    commit: SyncCommit & { held: boolean },
  ): Promise<GenerationId | null> {
    return this.roles.commitGeneration(vpd, generation, fence, commit);
  }

  dropGeneration(vpd: string, generation: GenerationId, fence?: FenceToken): Promise<void> {
    return this.roles.dropGeneration(vpd, generation, fence);
  }

  markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[], ttlMs: number): Promise<void> {
    return this.roles.markSeen(vpd, scratch, refs, ttlMs);
  }

  stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken, ttlMs: number): Promise<void> {
    return this.roles.stageChanges(vpd, stageId, changes, fence, ttlMs);
  }

  applyChanges(
    vpd: string,
    fence: FenceToken,
    stageId: string | null,
    changes: CachedRoleChange[],
    nowMs: number,
    commit: SyncCommit,
  ): Promise<ChangeDiff> {
    return this.roles.applyChanges(vpd, fence, stageId, changes, nowMs, commit);
  }

  discardStage(vpd: string, stageId: string): Promise<void> {
    return this.roles.discardStage(vpd, stageId);
  }

  replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number, nowMs: number): Promise<ReplaceRecordsResult> {
    return this.roles.replaceRecords(vpd, records, expectedSeq, nowMs);
  }

  approveHeldRemovals(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }> {
    return this.roles.approveHeld(vpd, fence, count);
  }

  rejectHeldRemovals(vpd: string, fence: FenceToken): Promise<number> {
    return this.roles.rejectHeld(vpd, fence);
  }

  saveSyncRun(run: SyncRunRecord, ttlMs: number): Promise<void> {
    return this.roles.saveRun(run, ttlMs);
  }

  readSyncRun(runId: string): Promise<SyncRunRecord | null> {
    return this.roles.readRun(runId);
  }
}

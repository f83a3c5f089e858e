import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { CacheStore, Lease, RateWindow, StaleFenceError } from './cache.store';
import { MemoryRoleData } from './memory-role-data';
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

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** In-process cache for the embedded default (one instance, nothing shared). */
export class MemoryCacheStore extends CacheStore {
  readonly kind = 'memory' as const;
  private readonly counters = new Map<string, Expiring<number>>();
  private readonly leases = new Map<string, Expiring<{ holder: string; token: string }>>();
  private readonly fences = new Map<string, number>();
  private readonly roles: MemoryRoleData;
  private closed = false;

  constructor(private readonly clock: Clock = new Clock()) {
    super();
    this.roles = new MemoryRoleData(() => this.clock.nowMs());
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('cache is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async hit(key: string, windowMs: number, amount = 1): Promise<RateWindow> {
    const now = this.clock.nowMs();
    const current = this.live(this.counters, key, now);
    const entry = current ?? { value: 0, expiresAt: now + windowMs };
    entry.value += amount;
    this.counters.set(key, entry);
    if (this.counters.size > 10_000) this.sweep(now);
    return { count: entry.value, resetMs: entry.expiresAt - now };
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const now = this.clock.nowMs();
    if (this.live(this.leases, name, now)) return null;
    const token = randomUUID();
    this.leases.set(name, { value: { holder, token }, expiresAt: now + ttlMs });
    const fence = (this.fences.get(name) ?? 0) + 1;
    this.fences.set(name, fence);
    return { name, token, fence };
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    const now = this.clock.nowMs();
    const held = this.live(this.leases, lease.name, now);
    if (!held || held.value.token !== lease.token) return false;
    held.expiresAt = now + ttlMs;
    return true;
  }

  async releaseLease(lease: Lease): Promise<void> {
    const held = this.live(this.leases, lease.name, this.clock.nowMs());
    if (held?.value.token === lease.token) this.leases.delete(lease.name);
  }

  async leaseHolder(name: string): Promise<string | null> {
    return this.live(this.leases, name, this.clock.nowMs())?.value.holder ?? null;
  }

  async currentFence(name: string): Promise<number> {
    return this.fences.get(name) ?? 0;
  }

  // ---- role sync data -------------------------------------------------------------------------

  async readAccess(keys: RecordKey[]): Promise<AccessSnapshot> {
    return this.roles.readAccess(keys);
  }

  async readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>> {
    return this.roles.readVpdSync(vpds, atMs);
  }

  async knownSyncVpds(): Promise<string[]> {
    return this.roles.knownVpds();
  }

  async lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>> {
    return this.roles.lookupRoles(vpd, assignmentIds);
  }

  async markSyncStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void> {
    this.checkFence(fence);
    this.roles.markStarted(vpd, runId, at, progress);
  }

  async reportSyncProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void> {
    this.checkFence(fence);
    this.roles.reportProgress(vpd, progress);
  }

  async markSyncFailed(vpd: string, fence: FenceToken, _at: string, error: string, lastRun: SyncLastRun): Promise<number> {
    this.checkFence(fence);
    return this.roles.markFailed(vpd, error, lastRun);
  }

  async beginGeneration(vpd: string, fence: FenceToken): Promise<{ generation: GenerationId; dropped: number }> {
    this.checkFence(fence);
    return this.roles.beginGeneration(vpd);
  }

  async writeGeneration(
    vpd: string,
    generation: GenerationId,
    roles: CachedRole[],
    fence: FenceToken,
    _nowMs: number,
    progress?: SyncProgress,
  ): Promise<GenerationBatchDiff> {
    this.checkFence(fence);
    return this.roles.writeGeneration(vpd, generation, roles, progress);
  }

  async scanRemovals(
    vpd: string,
    generation: GenerationId,
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; removed: RoleRef[] }> {
    return this.roles.scanRemovals(vpd, generation, cursor, count);
  }

  async holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[], fence: FenceToken): Promise<number> {
    this.checkFence(fence);
    return this.roles.holdRemovals(vpd, generation, assignmentIds);
  }

  async commitGeneration(
    vpd: string,
    generation: GenerationId,
    fence: FenceToken,
    commit: SyncCommit & { held: boolean },
  ): Promise<GenerationId | null> {
    this.checkFence(fence);
    return this.roles.commitGeneration(vpd, generation, commit);
  }

  async dropGeneration(vpd: string, generation: GenerationId, fence?: FenceToken): Promise<void> {
    const current = fence !== undefined && (this.fences.get(fence.name) ?? 0) === fence.fence;
    this.roles.dropGeneration(vpd, generation, current);
  }

  async markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[]): Promise<void> {
    this.roles.markSeen(vpd, scratch, refs);
  }

  async stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[], fence: FenceToken): Promise<void> {
    this.checkFence(fence);
    this.roles.stageChanges(vpd, stageId, changes);
  }

  async applyChanges(
    vpd: string,
    fence: FenceToken,
    stageId: string | null,
    changes: CachedRoleChange[],
    _nowMs: number,
    commit: SyncCommit,
  ): Promise<ChangeDiff> {
    this.checkFence(fence);
    return this.roles.applyChanges(vpd, stageId, changes, commit);
  }

  async discardStage(vpd: string, stageId: string): Promise<void> {
    this.roles.discardStage(vpd, stageId);
  }

  async replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number): Promise<ReplaceRecordsResult> {
    return this.roles.replaceRecords(vpd, records, expectedSeq);
  }

  async approveHeldRemovals(vpd: string, fence: FenceToken, count: number): Promise<{ removed: number; remaining: number }> {
    this.checkFence(fence);
    return this.roles.approveHeld(vpd, count);
  }

  async rejectHeldRemovals(vpd: string, fence: FenceToken): Promise<number> {
    this.checkFence(fence);
    return this.roles.rejectHeld(vpd);
  }

  async saveSyncRun(run: SyncRunRecord, ttlMs: number): Promise<void> {
    this.roles.saveRun(run, ttlMs);
  }

  async readSyncRun(runId: string): Promise<SyncRunRecord | null> {
    return this.roles.readRun(runId);
  }

  private checkFence(fence: FenceToken): void {
    if ((this.fences.get(fence.name) ?? 0) !== fence.fence) throw new StaleFenceError(fence.name, fence.fence);
  }

  private live<T>(map: Map<string, Expiring<T>>, key: string, now: number): Expiring<T> | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= now) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
  }
}

import type { Clock } from '../common/clock/clock';
import type { FenceToken } from './lease-store';
import type { Expiring } from './memory-expiring';
import type { MemoryLeaseStore } from './memory-lease-store';
import type { MemoryRoleVpds } from './memory-role-state';
import { RoleRuns } from './role-runs';
import type { SyncLastRun, SyncProgress, SyncRunRecord } from './sync-records.types';

/** A run's records in memory: its state in the VPD's meta (started, progress, failed) and the run record itself (TTL); fenced by `leases`. */
export class MemoryRoleRuns extends RoleRuns {
  private readonly runs = new Map<string, Expiring<SyncRunRecord>>();

  constructor(
    private readonly vpds: MemoryRoleVpds,
    private readonly leases: MemoryLeaseStore,
    private readonly clock: Clock,
  ) {
    super();
  }

  async markSyncStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void> {
    this.leases.check(fence);
    const meta = this.vpds.data(vpd).meta;
    meta.running = runId;
    meta.lastAttemptAt = at;
    meta.progress = { ...progress };
  }

  async reportSyncProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void> {
    this.leases.check(fence);
    this.vpds.data(vpd).meta.progress = { ...progress };
  }

  async markSyncFailed(vpd: string, fence: FenceToken, _at: string, error: string, lastRun: SyncLastRun): Promise<number> {
    this.leases.check(fence);
    const meta = this.vpds.data(vpd).meta;
    meta.consecutiveFailures += 1;
    meta.lastOutcome = 'failed';
    meta.lastError = error;
    meta.lastRun = { ...lastRun };
    meta.running = null;
    meta.progress = null;
    return meta.consecutiveFailures;
  }

  async saveSyncRun(run: SyncRunRecord, ttlMs: number): Promise<void> {
    const now = this.clock.nowMs();
    this.runs.set(run.runId, { value: structuredClone(run), expiresAt: now + ttlMs });
    if (this.runs.size > 1000) for (const [id, entry] of this.runs) if (entry.expiresAt <= now) this.runs.delete(id);
  }

  async readSyncRun(runId: string): Promise<SyncRunRecord | null> {
    const entry = this.runs.get(runId);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock.nowMs()) {
      this.runs.delete(runId);
      return null;
    }
    return structuredClone(entry.value);
  }
}

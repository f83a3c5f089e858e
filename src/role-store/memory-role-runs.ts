import type { Expiring } from './memory-expiring';
import type { MemoryRoleVpds } from './memory-role-state';
import type { SyncLastRun, SyncProgress, SyncRunRecord } from './sync-records.types';

/** A run's records in memory: its state in the VPD's meta (started, progress, failed) and the run record itself (TTL). */
export class MemoryRoleRuns {
  private readonly runs = new Map<string, Expiring<SyncRunRecord>>();

  constructor(
    private readonly vpds: MemoryRoleVpds,
    private readonly nowMs: () => number,
  ) {}

  markStarted(vpd: string, runId: string, at: string, progress: SyncProgress): void {
    const meta = this.vpds.data(vpd).meta;
    meta.running = runId;
    meta.lastAttemptAt = at;
    meta.progress = { ...progress };
  }

  reportProgress(vpd: string, progress: SyncProgress): void {
    this.vpds.data(vpd).meta.progress = { ...progress };
  }

  markFailed(vpd: string, error: string, lastRun: SyncLastRun): number {
    const meta = this.vpds.data(vpd).meta;
    meta.consecutiveFailures += 1;
    meta.lastOutcome = 'failed';
    meta.lastError = error;
    meta.lastRun = { ...lastRun };
    meta.running = null;
    meta.progress = null;
    return meta.consecutiveFailures;
  }

  saveRun(run: SyncRunRecord, ttlMs: number): void {
    const now = this.nowMs();
    this.runs.set(run.runId, { value: structuredClone(run), expiresAt: now + ttlMs });
    if (this.runs.size > 1000) for (const [id, entry] of this.runs) if (entry.expiresAt <= now) this.runs.delete(id);
  }

  readRun(runId: string): SyncRunRecord | null {
    const entry = this.runs.get(runId);
    if (!entry) return null;
    if (entry.expiresAt <= this.nowMs()) {
      this.runs.delete(runId);
      return null;
    }
    return structuredClone(entry.value);
  }
}

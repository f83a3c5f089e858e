import type { FenceToken } from './lease.store';
import { json, RedisRoleCommands, VPDS_KEY } from './redis-role-commands';
import type { SyncLastRun, SyncProgress, SyncRunRecord } from './sync-records.types';

/** A run's records in Redis: its state in the VPD's meta (started, progress, failed) and the run record itself (TTL). */
export class RedisRoleRuns extends RedisRoleCommands {
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

  async saveRun(run: SyncRunRecord, ttlMs: number): Promise<void> {
    await this.redis.set(`sync:run:${run.runId}`, JSON.stringify(run), 'PX', Math.max(1, Math.floor(ttlMs)));
  }

  async readRun(runId: string): Promise<SyncRunRecord | null> {
    return json<SyncRunRecord>((await this.redis.get(`sync:run:${runId}`)) ?? undefined);
  }
}

import type { FenceToken } from './lease-store';
import { fenced, json } from './redis-commands';
import type { RedisConnection } from './redis-connection';
import { RoleRuns } from './role-runs';
import type { SyncLastRun, SyncProgress, SyncRunRecord } from './sync-records.types';

/** A run's records in Redis: its state in the VPD's meta (started, progress, failed) and the run record itself (TTL). */
export class RedisRoleRuns extends RoleRuns {
  constructor(private readonly connection: RedisConnection) {
    super();
  }

  async markSyncStarted(vpd: string, fence: FenceToken, runId: string, at: string, progress: SyncProgress): Promise<void> {
    const { redis, keys } = this.connection;
    await fenced(fence, () =>
      redis.roleMarkStarted(
        keys.leaseFence(fence.name),
        keys.vpdMeta(vpd),
        keys.vpds,
        fence.fence,
        vpd,
        runId,
        at,
        JSON.stringify(progress),
      ),
    );
  }

  async reportSyncProgress(vpd: string, fence: FenceToken, progress: SyncProgress): Promise<void> {
    const { redis, keys } = this.connection;
    await fenced(fence, () =>
      redis.roleReportProgress(keys.leaseFence(fence.name), keys.vpdMeta(vpd), fence.fence, JSON.stringify(progress)),
    );
  }

  async markSyncFailed(vpd: string, fence: FenceToken, _at: string, error: string, lastRun: SyncLastRun): Promise<number> {
    const { redis, keys } = this.connection;
    return fenced(fence, () =>
      redis.roleMarkFailed(keys.leaseFence(fence.name), keys.vpdMeta(vpd), fence.fence, error, JSON.stringify(lastRun)),
    );
  }

  async saveSyncRun(run: SyncRunRecord, ttlMs: number): Promise<void> {
    const { redis, keys } = this.connection;
    await redis.set(keys.syncRun(run.runId), JSON.stringify(run), 'PX', Math.max(1, Math.floor(ttlMs)));
  }

  async readSyncRun(runId: string): Promise<SyncRunRecord | null> {
    const { redis, keys } = this.connection;
    return json<SyncRunRecord>((await redis.get(keys.syncRun(runId))) ?? undefined);
  }
}

import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AccessSettings } from '../config/settings/access.settings';
import { EsrClient } from '../esr/esr.client';
import { RoleChanges } from '../role-store/role-changes';
import { RoleRuns } from '../role-store/role-runs';
import { CachedRoleChange, SyncLastRun, SyncProgress } from '../role-store/sync-records.types';
import { toCachedRoleChange } from './role-window';
import { throwIfAborted, TooManyChangesError } from './sync.errors';
import { RUN_RECORD_TTL_MS, RunContext, VpdCounts } from './sync.types';

/** An incremental run with more changes than this does a full run instead (one atomic apply stays short). */
export const MAX_INCREMENTAL_CHANGES = 50_000;
/** Changes an incremental run buffers before staging them in the store. */
export const STAGE_BATCH = 1000;

/** The change feed as read so far: its watermark, the changes staged in the store (under the run id) and those not yet. */
interface ChangeFeed {
  watermark: string;
  staged: number;
  pending: CachedRoleChange[];
}

/** The incremental run of one VPD (see run()). */
@Injectable()
export class IncrementalSync {
  constructor(
    private readonly esr: EsrClient,
    private readonly store: RoleChanges,
    private readonly runs: RoleRuns,
    private readonly access: AccessSettings,
    private readonly clock: Clock,
  ) {}

  /**
   * Incremental run, in two steps: read the changes since the stored watermark (long feeds staged in
   * the cache as they come), then apply them with the new watermark in one atomic step. Cost grows
   * with the number of changes. Staged changes are discarded on failure.
   */
  async run(ctx: RunContext, vpd: string, since: string, progress: SyncProgress, started: number): Promise<VpdCounts> {
    const feed: ChangeFeed = { watermark: since, staged: 0, pending: [] };
    try {
      await this.read(ctx, vpd, since, feed, progress);
      return await this.apply(ctx, vpd, feed, started);
    } catch (error) {
      if (feed.staged > 0) await this.store.discardStage(vpd, ctx.runId).catch(() => undefined);
      throw error;
    }
  }

  /** Reads the feed into `feed`, staging every STAGE_BATCH changes; TooManyChangesError past MAX_INCREMENTAL_CHANGES. */
  private async read(ctx: RunContext, vpd: string, since: string, feed: ChangeFeed, progress: SyncProgress): Promise<void> {
    for await (const page of this.esr.listRoleChanges(vpd, since)) {
      throwIfAborted(ctx.signal);
      feed.watermark = page.watermark;
      for (const change of page.items) feed.pending.push(toCachedRoleChange(change, this.access.activationDelayMs));
      progress.pages++;
      progress.processed += page.items.length + page.skipped;
      ctx.onProgress(progress.processed);
      if (progress.processed > MAX_INCREMENTAL_CHANGES) throw new TooManyChangesError(MAX_INCREMENTAL_CHANGES);
      if (feed.pending.length >= STAGE_BATCH) {
        await this.store.stageChanges(vpd, ctx.runId, feed.pending, ctx.lease, RUN_RECORD_TTL_MS);
        feed.staged += feed.pending.length;
        feed.pending = [];
        await this.runs.reportSyncProgress(vpd, ctx.lease, { ...progress });
      }
    }
    throwIfAborted(ctx.signal);
  }

  /** Applies the staged and pending changes with the feed's watermark and the run's record, atomically. */
  private async apply(ctx: RunContext, vpd: string, feed: ChangeFeed, started: number): Promise<VpdCounts> {
    const finishedAt = this.clock.now().toISOString();
    const lastRun: SyncLastRun = {
      runId: ctx.runId,
      mode: 'incremental',
      outcome: 'succeeded',
      added: 0,
      updated: 0,
      removed: 0,
      held: 0,
      durationMs: Math.round(performance.now() - started),
      finishedAt,
    };
    const stageId = feed.staged > 0 ? ctx.runId : null;
    const diff = await this.store.applyChanges(vpd, ctx.lease, stageId, feed.pending, this.clock.nowMs(), {
      watermark: feed.watermark,
      at: finishedAt,
      lastRun,
    });
    return { added: diff.added, updated: diff.updated, removed: diff.removed, held: 0 };
  }
}

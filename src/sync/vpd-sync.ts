import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { EsrWatermarkExpiredError } from '../esr/esr.errors';
import { RoleReads } from '../role-store/role-reads';
import { RoleRuns } from '../role-store/role-runs';
import { SyncLastRun, SyncMode, SyncProgress, SyncRunVpdResult, VpdSyncRecord } from '../role-store/sync-records.types';
import { FullSync } from './full-sync';
import { IncrementalSync } from './incremental-sync';
import { errorCode, TooManyChangesError } from './sync.errors';
import { SyncStatusService } from './sync-status.service';
import { RunContext, VpdCounts } from './sync.types';

/**
 * The sync of one VPD within a run: picks full or incremental, records the attempt and its outcome
 * in the store (a failure never touches the data) and reports it. Never throws.
 */
@Injectable()
export class VpdSync {
  private readonly logger = new Logger(VpdSync.name);

  constructor(
    private readonly store: RoleReads,
    private readonly runs: RoleRuns,
    private readonly clock: Clock,
    private readonly full: FullSync,
    private readonly incremental: IncrementalSync,
    private readonly status: SyncStatusService,
  ) {}

  /** One VPD: incremental from the stored watermark, or full (never synced, asked for, 410, too many changes). */
  async run(ctx: RunContext, vpd: string, requested: SyncMode): Promise<SyncRunVpdResult> {
    const started = performance.now();
    const at = this.clock.now().toISOString();
    let mode: SyncMode = requested;
    let reason: string | undefined;
    try {
      const before = (await this.store.readVpdSync([vpd], this.clock.nowMs())).get(vpd) as VpdSyncRecord;
      if (requested === 'incremental' && (!before.generation || !before.watermark)) {
        mode = 'full';
        reason = 'NEVER_SYNCED';
      }
      const progress: SyncProgress = {
        runId: ctx.runId,
        mode,
        phase: mode === 'full' ? 'listing' : 'changes',
        processed: 0,
        pages: 0,
        startedAt: at,
      };
      await this.runs.markSyncStarted(vpd, ctx.lease, ctx.runId, at, progress);
      let counts: VpdCounts;
      if (mode === 'incremental') {
        try {
          counts = await this.incremental.run(ctx, vpd, before.watermark as string, progress, started);
        } catch (error) {
          if (!(error instanceof EsrWatermarkExpiredError) && !(error instanceof TooManyChangesError)) throw error;
          mode = 'full';
          reason = error instanceof EsrWatermarkExpiredError ? 'WATERMARK_EXPIRED' : 'TOO_MANY_CHANGES';
          Object.assign(progress, { mode, phase: 'listing', processed: 0, pages: 0 });
          counts = await this.full.run(ctx, vpd, progress, started);
        }
      } else {
        counts = await this.full.run(ctx, vpd, progress, started);
      }
      reason = counts.reason ?? reason;
      const result: SyncRunVpdResult = {
        vpd,
        mode,
        status: counts.held > 0 ? 'held' : 'succeeded',
        added: counts.added,
        updated: counts.updated,
        removed: counts.removed,
        held: counts.held,
        durationMs: Math.round(performance.now() - started),
        ...(reason ? { reason } : {}),
      };
      await this.status.observe(result);
      return result;
    } catch (error) {
      const code = errorCode(error);
      const durationMs = Math.round(performance.now() - started);
      const lastRun: SyncLastRun = {
        runId: ctx.runId,
        mode,
        outcome: 'failed',
        added: 0,
        updated: 0,
        removed: 0,
        held: 0,
        durationMs,
        finishedAt: this.clock.now().toISOString(),
      };
      await this.runs.markSyncFailed(vpd, ctx.lease, at, code, lastRun).catch((e: unknown) => {
        this.logger.warn({ msg: 'could not record the failed sync', vpd, error: errorCode(e) });
      });
      const result: SyncRunVpdResult = {
        vpd,
        mode,
        status: 'failed',
        added: 0,
        updated: 0,
        removed: 0,
        held: 0,
        durationMs,
        error: code,
        ...(reason ? { reason } : {}),
      };
      await this.status.observe(result);
      return result;
    }
  }
}

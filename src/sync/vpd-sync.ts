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

/** The mode a VPD's run ends up in, and why it is not the one asked for; set as the run goes. */
interface Attempt {
  mode: SyncMode;
  reason?: string;
}

/** How the attempt ended: the result's figures apart from the VPD, mode and reason. */
type Outcome = Pick<SyncRunVpdResult, 'status' | 'added' | 'updated' | 'removed' | 'held' | 'durationMs' | 'error'>;

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
    const attempt: Attempt = { mode: requested };
    const outcome = await this.sync(ctx, vpd, attempt, at, started).catch((error: unknown) =>
      this.recordFailure(ctx, vpd, attempt, at, started, error),
    );
    const result: SyncRunVpdResult = {
      vpd,
      mode: attempt.mode,
      ...outcome,
      ...(attempt.reason ? { reason: attempt.reason } : {}),
    };
    await this.status.observe(result);
    return result;
  }

  /** Marks the VPD's sync started and runs it: incremental, falling back to full (410, too many changes), or full. */
  private async sync(ctx: RunContext, vpd: string, attempt: Attempt, at: string, started: number): Promise<Outcome> {
    const before = (await this.store.readVpdSync([vpd], this.clock.nowMs())).get(vpd) as VpdSyncRecord;
    if (attempt.mode === 'incremental' && (!before.generation || !before.watermark))
      Object.assign(attempt, { mode: 'full', reason: 'NEVER_SYNCED' });
    const progress: SyncProgress = {
      runId: ctx.runId,
      mode: attempt.mode,
      phase: attempt.mode === 'full' ? 'listing' : 'changes',
      processed: 0,
      pages: 0,
      startedAt: at,
    };
    await this.runs.markSyncStarted(vpd, ctx.lease, ctx.runId, at, progress);
    const counts =
      attempt.mode === 'incremental'
        ? await this.incrementalOrFull(ctx, vpd, before.watermark as string, attempt, progress, started)
        : await this.full.run(ctx, vpd, progress, started);
    attempt.reason = counts.reason ?? attempt.reason;
    const { added, updated, removed, held } = counts;
    return { status: held > 0 ? 'held' : 'succeeded', added, updated, removed, held, durationMs: Math.round(performance.now() - started) };
  }

  private async incrementalOrFull(
    ctx: RunContext,
    vpd: string,
    since: string,
    attempt: Attempt,
    progress: SyncProgress,
    started: number,
  ): Promise<VpdCounts> {
    try {
      return await this.incremental.run(ctx, vpd, since, progress, started);
    } catch (error) {
      if (!(error instanceof EsrWatermarkExpiredError) && !(error instanceof TooManyChangesError)) throw error;
      Object.assign(attempt, {
        mode: 'full',
        reason: error instanceof EsrWatermarkExpiredError ? 'WATERMARK_EXPIRED' : 'TOO_MANY_CHANGES',
      });
      Object.assign(progress, { mode: 'full', phase: 'listing', processed: 0, pages: 0 });
      return this.full.run(ctx, vpd, progress, started);
    }
  }

  /** Records the failed attempt (the data is untouched); a failure to record it is logged. */
  private async recordFailure(
    ctx: RunContext,
    vpd: string,
    attempt: Attempt,
    at: string,
    started: number,
    error: unknown,
  ): Promise<Outcome> {
    const code = errorCode(error);
    const durationMs = Math.round(performance.now() - started);
    const zero = { added: 0, updated: 0, removed: 0, held: 0 };
    const lastRun: SyncLastRun = {
      runId: ctx.runId,
      mode: attempt.mode,
      outcome: 'failed',
      ...zero,
      durationMs,
      finishedAt: this.clock.now().toISOString(),
    };
    await this.runs.markSyncFailed(vpd, ctx.lease, at, code, lastRun).catch((e: unknown) => {
      this.logger.warn({ msg: 'could not record the failed sync', vpd, error: errorCode(e) });
    });
    return { status: 'failed', ...zero, durationMs, error: code };
  }
}

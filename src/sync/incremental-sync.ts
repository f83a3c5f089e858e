import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
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

/** The incremental run of one VPD (see run()). */
@Injectable()
export class IncrementalSync {
  constructor(
    private readonly esr: EsrClient,
    private readonly store: RoleChanges,
    private readonly runs: RoleRuns,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Incremental run: the changes since the stored watermark, applied with the new watermark in one
   * atomic step (long feeds are staged in the cache first). Cost grows with the number of changes.
   */
  async run(ctx: RunContext, vpd: string, since: string, progress: SyncProgress, started: number): Promise<VpdCounts> {
    const { lease, signal } = ctx;
    const stageId = ctx.runId;
    let buffer: CachedRoleChange[] = [];
    let staged = 0;
    let watermark = since;
    try {
      for await (const page of this.esr.listRoleChanges(vpd, since)) {
        throwIfAborted(signal);
        watermark = page.watermark;
        for (const change of page.items) buffer.push(toCachedRoleChange(change, this.config.activationDelayMs));
        progress.pages++;
        progress.processed += page.items.length + page.skipped;
        ctx.onProgress(progress.processed);
        if (progress.processed > MAX_INCREMENTAL_CHANGES) throw new TooManyChangesError(MAX_INCREMENTAL_CHANGES);
        if (buffer.length >= STAGE_BATCH) {
          await this.store.stageChanges(vpd, stageId, buffer, lease, RUN_RECORD_TTL_MS);
          staged += buffer.length;
          buffer = [];
          await this.runs.reportSyncProgress(vpd, lease, { ...progress });
        }
      }
      throwIfAborted(signal);
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
      const diff = await this.store.applyChanges(vpd, lease, staged > 0 ? stageId : null, buffer, this.clock.nowMs(), {
        watermark,
        at: finishedAt,
        lastRun,
      });
      return { added: diff.added, updated: diff.updated, removed: diff.removed, held: 0 };
    } catch (error) {
      if (staged > 0) await this.store.discardStage(vpd, stageId).catch(() => undefined);
      throw error;
    }
  }
}

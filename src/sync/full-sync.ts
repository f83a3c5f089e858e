import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { EsrClient } from '../esr/esr.client';
import { Lease } from '../role-store/lease.store';
import { RoleGenerations } from '../role-store/role-generations';
import { RoleReads } from '../role-store/role-reads';
import { RoleRuns } from '../role-store/role-runs';
import { GenerationBatchDiff, GenerationId, SyncLastRun, SyncProgress } from '../role-store/sync-records.types';
import { removalGuard, RemovalGuardDecision } from './removal-guard';
import { toCachedRole } from './role-window';
import { errorCode, InconsistentListingError, throwIfAborted } from './sync.errors';
import { RunContext, VpdCounts } from './sync.types';

/** Live rows compared per round trip when counting removals. */
export const REMOVAL_SCAN_COUNT = 1000;

/** The full run of one VPD (see run()). */
@Injectable()
export class FullSync {
  private readonly logger = new Logger(FullSync.name);

  constructor(
    private readonly esr: EsrClient,
    private readonly store: RoleGenerations,
    private readonly runs: RoleRuns,
    private readonly reads: RoleReads,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  /**
   * Full run: streams the listing into a new generation (one batch write in flight while the next
   * page is fetched), counts removals in the cache, applies the removal guard, then switches over
   * atomically with the listing's watermark. On failure the new generation is dropped and the live
   * one keeps being served.
   */
  async run(ctx: RunContext, vpd: string, progress: SyncProgress, started: number): Promise<VpdCounts> {
    const { lease, signal } = ctx;
    const totals: GenerationBatchDiff = { added: 0, updated: 0, unchanged: 0, skipped: 0 };
    let generation: GenerationId | null = null;
    let committed = false;
    let watermark: string | null = null;
    let listed = 0;
    let skippedItems = 0;
    let inflight: Promise<void> | null = null;
    let writeError: Error | null = null;
    const settle = async (): Promise<void> => {
      if (inflight) await inflight;
      inflight = null;
      if (writeError) throw writeError;
    };
    try {
      for await (const page of this.esr.listRoleAssignments(vpd)) {
        throwIfAborted(signal);
        if (watermark !== null && page.watermark !== watermark) throw new InconsistentListingError(vpd);
        watermark = page.watermark;
        // The generation begins once the listing's snapshot (watermark) exists: a refresh that read the
        // cache before this point sees the bumped sequence and reads ESR again.
        if (generation === null) generation = (await this.store.beginGeneration(vpd, lease)).generation;
        const roles = page.items.map((item) => toCachedRole(item, this.config.activationDelayMs));
        listed += roles.length;
        skippedItems += page.skipped;
        progress.pages++;
        progress.processed += page.items.length + page.skipped;
        ctx.onProgress(progress.processed);
        await settle();
        if (roles.length === 0) continue;
        const target = generation;
        inflight = this.store.writeGeneration(vpd, target, roles, lease, this.clock.nowMs(), { ...progress }).then(
          (diff) => {
            totals.added += diff.added;
            totals.updated += diff.updated;
            totals.unchanged += diff.unchanged;
            totals.skipped += diff.skipped;
          },
          (error: unknown) => {
            writeError = error instanceof Error ? error : new Error(String(error));
          },
        );
      }
      await settle();
      throwIfAborted(signal);
      if (generation === null || watermark === null) throw new InconsistentListingError(vpd);

      progress.phase = 'comparing';
      await this.runs.reportSyncProgress(vpd, lease, { ...progress });
      const live = (await this.reads.readVpdSync([vpd], this.clock.nowMs())).get(vpd);
      const liveHolders = live?.counts?.holders ?? 0;
      const removals = await this.countRemovals(vpd, generation, signal);
      let decision: RemovalGuardDecision = removalGuard(
        { liveHolders, listed, removals },
        { percent: this.config.removalGuardPercent, count: this.config.removalGuardCount },
      );
      // Items ESR sent that broke the contract were left out: their rows would look removed.
      if (!decision.hold && skippedItems > 0 && removals > 0) decision = { hold: true, reason: null };
      let held = 0;
      if (decision.hold) held = await this.holdRemovals(vpd, generation, lease, signal);

      progress.phase = 'switching';
      throwIfAborted(signal);
      const finishedAt = this.clock.now().toISOString();
      const removed = held > 0 ? 0 : removals;
      const lastRun: SyncLastRun = {
        runId: ctx.runId,
        mode: 'full',
        outcome: held > 0 ? 'held' : 'succeeded',
        added: totals.added,
        updated: totals.updated,
        removed,
        held,
        durationMs: Math.round(performance.now() - started),
        finishedAt,
      };
      const previous = await this.store.commitGeneration(vpd, generation, lease, { watermark, at: finishedAt, lastRun, held: held > 0 });
      committed = true;
      if (previous) {
        await this.store.dropGeneration(vpd, previous).catch((error: unknown) => {
          this.logger.warn({ msg: 'could not drop the previous generation; the next full run drops it', vpd, error: errorCode(error) });
        });
      }
      if (held > 0) {
        const guardReason = decision.reason ?? 'SKIPPED_ITEMS';
        await this.audit
          .record({
            type: 'SYNC_REMOVALS_HELD',
            actor: 'system',
            vpd,
            outcome: 'HELD',
            details: {
              count: held,
              reason: guardReason,
              liveHolders,
              listed,
              skippedItems,
              thresholdPercent: this.config.removalGuardPercent,
              thresholdCount: this.config.removalGuardCount ?? null,
              runId: ctx.runId,
            },
          })
          .catch((error: unknown) => this.logger.error({ msg: 'could not audit held removals', vpd, error: errorCode(error) }));
        return { added: totals.added, updated: totals.updated, removed: 0, held, reason: guardReason };
      }
      return { added: totals.added, updated: totals.updated, removed, held: 0 };
    } catch (error) {
      if (inflight) await inflight;
      if (generation !== null && !committed) await this.store.dropGeneration(vpd, generation, lease).catch(() => undefined);
      throw error;
    }
  }

  private async countRemovals(vpd: string, generation: GenerationId, signal: AbortSignal): Promise<number> {
    let removals = 0;
    let cursor = '0';
    do {
      throwIfAborted(signal);
      const page = await this.store.scanRemovals(vpd, generation, cursor, REMOVAL_SCAN_COUNT);
      removals += page.removed.length;
      cursor = page.cursor;
    } while (cursor !== '0');
    return removals;
  }

  private async holdRemovals(vpd: string, generation: GenerationId, lease: Lease, signal: AbortSignal): Promise<number> {
    let held = 0;
    let cursor = '0';
    do {
      throwIfAborted(signal);
      const page = await this.store.scanRemovals(vpd, generation, cursor, REMOVAL_SCAN_COUNT);
      held += await this.store.holdRemovals(
        vpd,
        generation,
        page.removed.map((r) => r.assignmentId),
        lease,
        this.clock.nowMs(),
      );
      cursor = page.cursor;
    } while (cursor !== '0');
    return held;
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { AccessSettings } from '../config/settings/access.settings';
import { SyncSettings } from '../config/settings/sync.settings';
import { EsrClient } from '../esr/esr.client';
import { Lease } from '../role-store/lease-store';
import { RoleGenerations } from '../role-store/role-generations';
import { RoleReads } from '../role-store/role-reads';
import { RoleRuns } from '../role-store/role-runs';
import { GenerationBatchDiff, GenerationId, SyncLastRun, SyncProgress } from '../role-store/sync-records.types';
import { removalGuard, RemovalGuardDecision, RemovalGuardInput, RemovalGuardSettings } from './removal-guard';
import { toCachedRole } from './role-window';
import { errorCode, InconsistentListingError, throwIfAborted } from './sync.errors';
import { RunContext, VpdCounts } from './sync.types';
import { WriteBehind } from './write-behind';

/** Live rows compared per round trip when counting removals. */
export const REMOVAL_SCAN_COUNT = 1000;
/** Batch writes of a full run in flight while the next page is fetched. */
const WRITES_IN_FLIGHT = 1;

/** A full listing written into a new generation (not yet served). */
interface Listing {
  generation: GenerationId;
  watermark: string;
  /** Assignments ESR listed and were written. */
  listed: number;
  /** Items ESR sent that broke the contract and were left out. */
  skippedItems: number;
  totals: GenerationBatchDiff;
}

/** What the removal guard made of the listing: removals counted, and held if it said so. */
interface GuardedRemovals extends RemovalGuardInput {
  decision: RemovalGuardDecision;
  /** Removals held for ops (0 when not held). */
  held: number;
}

/**
 * The removal guard (while removals wait for a decision, a full run's removals, those still waiting
 * included, are held again: the held set becomes exactly what the listing left out), plus one rule of the full run: when ESR sent items that broke the contract, they
 * were left out and their rows would look removed, so any removals are held.
 */
export function fullRunGuard(input: RemovalGuardInput, skippedItems: number, settings: RemovalGuardSettings): RemovalGuardDecision {
  const decision = removalGuard(input, settings);
  return !decision.hold && skippedItems > 0 && input.removals > 0 ? { hold: true, reason: null } : decision;
}

/**
 * The full run of one VPD, in three steps: list (the listing streamed into a new generation), guard
 * (count the removals, hold them if the removal guard says so), switch over (atomically, with the
 * listing's watermark). On failure the new generation is dropped and the live one keeps being served.
 */
@Injectable()
export class FullSync {
  private readonly logger = new Logger(FullSync.name);

  constructor(
    private readonly esr: EsrClient,
    private readonly store: RoleGenerations,
    private readonly runs: RoleRuns,
    private readonly reads: RoleReads,
    private readonly settings: SyncSettings,
    private readonly access: AccessSettings,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async run(ctx: RunContext, vpd: string, progress: SyncProgress, started: number): Promise<VpdCounts> {
    const listing = await this.list(ctx, vpd, progress);
    const { guarded, previous } = await this.droppedOnFailure(vpd, listing.generation, ctx.lease, async () => {
      const guarded = await this.guard(ctx, vpd, listing, progress);
      return { guarded, previous: await this.switchOver(ctx, vpd, listing, guarded, progress, started) };
    });
    if (previous) await this.dropPrevious(vpd, previous);
    const { added, updated } = listing.totals;
    if (guarded.held === 0) return { added, updated, removed: guarded.removals, held: 0 };
    const reason = guarded.decision.reason ?? 'SKIPPED_ITEMS';
    await this.auditHeld(ctx, vpd, listing, guarded, reason);
    return { added, updated, removed: 0, held: guarded.held, reason };
  }

  /**
   * Streams the listing into a new generation, one batch write in flight while the next page is
   * fetched. The generation begins once the listing's snapshot (watermark) exists: a refresh that read
   * the cache before this point sees the bumped sequence and reads ESR again. Drops it on failure.
   */
  private async list(ctx: RunContext, vpd: string, progress: SyncProgress): Promise<Listing> {
    const { lease, signal } = ctx;
    const counted = { listed: 0, skippedItems: 0, totals: { added: 0, updated: 0, unchanged: 0, skipped: 0 } };
    const writes = new WriteBehind(WRITES_IN_FLIGHT);
    let generation: GenerationId | null = null;
    let watermark: string | null = null;
    try {
      for await (const page of this.esr.listRoleAssignments(vpd)) {
        throwIfAborted(signal);
        if (watermark !== null && page.watermark !== watermark) throw new InconsistentListingError(vpd);
        watermark = page.watermark;
        generation ??= (await this.store.beginGeneration(vpd, lease)).generation;
        const roles = page.items.map((item) => toCachedRole(item, this.access.activationDelayMs));
        counted.listed += roles.length;
        counted.skippedItems += page.skipped;
        progress.pages++;
        progress.processed += page.items.length + page.skipped;
        ctx.onProgress(progress.processed);
        await writes.room();
        if (roles.length === 0) continue;
        const target = generation;
        const snapshot = { ...progress };
        writes.start(async () =>
          addDiff(counted.totals, await this.store.writeGeneration(vpd, target, roles, lease, this.clock.nowMs(), snapshot)),
        );
      }
      await writes.drain();
      throwIfAborted(signal);
      if (generation === null || watermark === null) throw new InconsistentListingError(vpd);
      return { generation, watermark, ...counted };
    } catch (error) {
      await writes.settle();
      if (generation !== null) await this.store.dropGeneration(vpd, generation, lease).catch(() => undefined);
      throw error;
    }
  }

  /** Counts the live rows the listing left out and, if the removal guard says so, holds them for ops. */
  private async guard(ctx: RunContext, vpd: string, listing: Listing, progress: SyncProgress): Promise<GuardedRemovals> {
    progress.phase = 'comparing';
    await this.runs.reportSyncProgress(vpd, ctx.lease, { ...progress });
    const live = (await this.reads.readVpdSync([vpd], this.clock.nowMs())).get(vpd);
    const input: RemovalGuardInput = {
      liveHolders: live?.counts?.holders ?? 0,
      listed: listing.listed,
      removals: await this.countRemovals(vpd, listing.generation, ctx.signal),
      alreadyHeld: live?.heldRemovals ?? 0,
    };
    const decision = fullRunGuard(input, listing.skippedItems, {
      percent: this.settings.removalGuardPercent,
      count: this.settings.removalGuardCount,
    });
    const held = decision.hold ? await this.holdRemovals(vpd, listing.generation, ctx.lease, ctx.signal) : 0;
    return { ...input, decision, held };
  }

  /** Serves the new generation with the listing's watermark and the run's record; answers the generation it replaced. */
  private async switchOver(
    ctx: RunContext,
    vpd: string,
    listing: Listing,
    guarded: GuardedRemovals,
    progress: SyncProgress,
    started: number,
  ): Promise<GenerationId | null> {
    progress.phase = 'switching';
    throwIfAborted(ctx.signal);
    const finishedAt = this.clock.now().toISOString();
    const held = guarded.held;
    const lastRun: SyncLastRun = {
      runId: ctx.runId,
      mode: 'full',
      outcome: held > 0 ? 'held' : 'succeeded',
      added: listing.totals.added,
      updated: listing.totals.updated,
      removed: held > 0 ? 0 : guarded.removals,
      held,
      durationMs: Math.round(performance.now() - started),
      finishedAt,
    };
    return this.store.commitGeneration(vpd, listing.generation, ctx.lease, {
      watermark: listing.watermark,
      at: finishedAt,
      lastRun,
      held: held > 0,
    });
  }

  /** Runs `work` on a generation not yet served; drops the generation if it fails. */
  private async droppedOnFailure<T>(vpd: string, generation: GenerationId, lease: Lease, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      await this.store.dropGeneration(vpd, generation, lease).catch(() => undefined);
      throw error;
    }
  }

  /** Drops the generation served before the switch-over; if that fails, the next full run drops it. */
  private async dropPrevious(vpd: string, previous: GenerationId): Promise<void> {
    await this.store.dropGeneration(vpd, previous).catch((error: unknown) => {
      this.logger.warn({ msg: 'could not drop the previous generation; the next full run drops it', vpd, error: errorCode(error) });
    });
  }

  /** Audits the held removals (a failed audit is logged: the removals are held either way). */
  private async auditHeld(ctx: RunContext, vpd: string, listing: Listing, guarded: GuardedRemovals, reason: string): Promise<void> {
    await this.audit
      .record({
        type: 'SYNC_REMOVALS_HELD',
        actor: 'system',
        vpd,
        outcome: 'HELD',
        details: {
          count: guarded.held,
          reason,
          mode: 'full',
          alreadyHeld: guarded.alreadyHeld ?? 0,
          liveHolders: guarded.liveHolders,
          listed: listing.listed,
          skippedItems: listing.skippedItems,
          thresholdPercent: this.settings.removalGuardPercent,
          thresholdCount: this.settings.removalGuardCount ?? null,
          runId: ctx.runId,
        },
      })
      .catch((error: unknown) => this.logger.error({ msg: 'could not audit held removals', vpd, error: errorCode(error) }));
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

function addDiff(totals: GenerationBatchDiff, diff: GenerationBatchDiff): void {
  totals.added += diff.added;
  totals.updated += diff.updated;
  totals.unchanged += diff.unchanged;
  totals.skipped += diff.skipped;
}

import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { AccessSettings } from '../config/settings/access.settings';
import { SyncSettings } from '../config/settings/sync.settings';
import { EsrClient } from '../esr/esr.client';
import { RoleChanges } from '../role-store/role-changes';
import { RoleReads } from '../role-store/role-reads';
import { RoleRuns } from '../role-store/role-runs';
import { CachedRoleChange, SyncLastRun, SyncProgress } from '../role-store/sync-records.types';
import { removalGuard, RemovalGuardDecision, RemovalGuardInput } from './removal-guard';
import { toCachedRoleChange } from './role-window';
import { errorCode, throwIfAborted, TooManyChangesError } from './sync.errors';
import { RUN_RECORD_TTL_MS, RunContext, VpdCounts } from './sync.types';

/** An incremental run with more changes than this does a full run instead (one atomic apply stays short). */
export const MAX_INCREMENTAL_CHANGES = 50_000;
/** Changes an incremental run buffers before staging them in the store. */
export const STAGE_BATCH = 1000;
/** Assignment ids looked up per cache round trip when counting a run's removals. */
const LOOKUP_BATCH = 1000;

/** The change feed as read so far: its watermark, the changes staged in the store (under the run id) and those not yet. */
interface ChangeFeed {
  watermark: string;
  staged: number;
  pending: CachedRoleChange[];
  /** Assignments whose last change in the feed is a delete: the run's candidate removals. */
  deletes: Set<string>;
}

/** What the removal guard made of the run's deletes. */
interface GuardedDeletes extends RemovalGuardInput {
  decision: RemovalGuardDecision;
}

/** The incremental run of one VPD (see run()). */
@Injectable()
export class IncrementalSync {
  private readonly logger = new Logger(IncrementalSync.name);

  constructor(
    private readonly esr: EsrClient,
    private readonly store: RoleChanges,
    private readonly runs: RoleRuns,
    private readonly reads: RoleReads,
    private readonly access: AccessSettings,
    private readonly settings: SyncSettings,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  /**
   * Incremental run, in three steps: read the changes since the stored watermark (long feeds staged
   * in the cache as they come), guard (the removal guard on the live rows the feed deletes), then
   * apply them with the new watermark in one atomic step; held deletes join the VPD's held removals
   * while additions and updates apply. Cost grows with the number of changes. Staged changes are
   * discarded on failure.
   */
  async run(ctx: RunContext, vpd: string, since: string, progress: SyncProgress, started: number): Promise<VpdCounts> {
    const feed: ChangeFeed = { watermark: since, staged: 0, pending: [], deletes: new Set() };
    try {
      await this.read(ctx, vpd, since, feed, progress);
      const guarded = await this.guard(vpd, feed.deletes);
      const counts = await this.apply(ctx, vpd, feed, guarded.decision.hold, started);
      if (counts.held === 0) return counts;
      const reason = guarded.decision.reason ?? 'OVER_PERCENT';
      await this.auditHeld(ctx, vpd, guarded, counts.held, reason);
      return { ...counts, reason };
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
      for (const change of page.items) {
        const cached = toCachedRoleChange(change, this.access.activationDelayMs);
        if (cached.op === 'delete') feed.deletes.add(cached.assignmentId);
        else feed.deletes.delete(cached.role.assignmentId);
        feed.pending.push(cached);
      }
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

  /**
   * The removal guard, with the full run's thresholds, on the live rows the feed deletes: held when
   * removals already wait for a decision, or when these are too many. (Held removals change only
   * under the sync lease this run holds, so the decision stands until the apply.)
   */
  private async guard(vpd: string, deletes: Set<string>): Promise<GuardedDeletes> {
    const live = (await this.reads.readVpdSync([vpd], this.clock.nowMs())).get(vpd);
    const liveHolders = live?.counts?.holders ?? 0;
    let removals = 0;
    const ids = [...deletes];
    for (let i = 0; i < ids.length; i += LOOKUP_BATCH) removals += (await this.reads.lookupRoles(vpd, ids.slice(i, i + LOOKUP_BATCH))).size;
    const input: RemovalGuardInput = { liveHolders, listed: liveHolders - removals, removals, alreadyHeld: live?.heldRemovals ?? 0 };
    const decision = removalGuard(input, { percent: this.settings.removalGuardPercent, count: this.settings.removalGuardCount });
    return { ...input, decision };
  }

  /** Applies the staged and pending changes with the feed's watermark and the run's record, atomically. */
  private async apply(ctx: RunContext, vpd: string, feed: ChangeFeed, holdRemovals: boolean, started: number): Promise<VpdCounts> {
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
      holdRemovals,
    });
    return { added: diff.added, updated: diff.updated, removed: diff.removed, held: diff.held };
  }

  /** Audits the removals this run held (a failed audit is logged: the removals are held either way). */
  private async auditHeld(ctx: RunContext, vpd: string, guarded: GuardedDeletes, held: number, reason: string): Promise<void> {
    await this.audit
      .record({
        type: 'SYNC_REMOVALS_HELD',
        actor: 'system',
        vpd,
        outcome: 'HELD',
        details: {
          count: held,
          reason,
          mode: 'incremental',
          liveHolders: guarded.liveHolders,
          alreadyHeld: guarded.alreadyHeld ?? 0,
          thresholdPercent: this.settings.removalGuardPercent,
          thresholdCount: this.settings.removalGuardCount ?? null,
          runId: ctx.runId,
        },
      })
      .catch((error: unknown) => this.logger.error({ msg: 'could not audit held removals', vpd, error: errorCode(error) }));
  }
}

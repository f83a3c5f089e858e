import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditService } from '../audit/audit.service';
import { CacheStore, Lease } from '../cache/cache.store';
import type { CachedRole } from '../cache/role-cache.types';
import { sameRole } from '../cache/role-row.codec';
import {
  CachedRoleChange,
  deriveSyncState,
  GenerationBatchDiff,
  GenerationId,
  RoleRef,
  SyncLastRun,
  SyncMode,
  SyncProgress,
  SyncRunRecord,
  SyncRunVpdResult,
  VpdSyncRecord,
} from '../cache/sync-state.types';
import { Clock } from '../common/clock/clock';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { EsrClient } from '../esr/esr.client';
import { EsrWatermarkExpiredError } from '../esr/esr.errors';
import type { EsrRoleChange } from '../esr/esr.types';
import { MetricsService } from '../metrics/metrics.service';
import { removalGuard, RemovalGuardDecision } from './removal-guard';
import { toCachedRole } from './role-window';
import { InconsistentListingError, SyncInterruptedError, TooManyChangesError } from './sync.errors';
import { SyncMetrics } from './sync.metrics';
import { VPD } from '../domain/identifiers';
import type { SyncStateName } from '../domain/sync-state';

/** Name of the one lease every replica's syncer competes for. */
export const SYNC_LEASE = 'sync';
/** How long run records stay readable (GET /v1/sync/runs/{runId}) from any replica. */
export const RUN_RECORD_TTL_MS = 24 * 3_600_000;
/** An incremental run with more changes than this does a full run instead (one atomic apply stays short). */
export const MAX_INCREMENTAL_CHANGES = 50_000;
/** Changes an incremental run buffers before staging them in the cache. */
export const STAGE_BATCH = 1000;
/** Live rows compared per round trip when counting removals. */
export const REMOVAL_SCAN_COUNT = 1000;
/** Items listed per kind by a dry run (the counts are always complete). */
export const DRY_RUN_LIST_LIMIT = 1000;
/** How long an API-triggered run waits for a running one to finish before it is skipped. */
export const API_RUN_LEASE_WAIT_MS = 60_000;
/** How long approve/reject waits for a running sync to finish. */
export const HELD_DECISION_LEASE_WAIT_MS = 10_000;
const REFRESH_ATTEMPTS = 3;
const SCRATCH_TTL_MS = 3_600_000;
const PROGRESS_SAVE_INTERVAL_MS = 1000;

/** Waits of RoleSyncService (for tests; the defaults suit production). */
export interface RoleSyncOptions {
  apiRunLeaseWaitMs?: number;
  heldDecisionLeaseWaitMs?: number;
}

export const ROLE_SYNC_OPTIONS = Symbol('ROLE_SYNC_OPTIONS');

/** What one run did: 'skipped' when another replica (or run) held the lease. Never thrown. */
export interface SyncOutcome {
  runId: string;
  status: 'skipped' | 'succeeded' | 'failed';
  mode: SyncMode;
  vpds: SyncRunVpdResult[];
  reason: string | null;
}

export interface SyncRunOptions {
  mode: SyncMode;
  /** One VPD, or every VPD served (ESR_VPDS or the active VPDs ESR lists). */
  vpd?: string;
  trigger?: SyncRunRecord['trigger'];
  /** Wait this long for a run in progress to finish; 0 (default) skips at once. */
  waitForLeaseMs?: number;
  /** Leave out VPDs fully synced after this instant (ISO-8601 UTC), e.g. by another replica meanwhile. */
  fullSyncedSince?: string;
}

export interface DryRunItem {
  vpd: string;
  assignmentId: string;
  employeeNumber: string;
}

export interface DryRunVpd {
  vpd: string;
  mode: SyncMode;
  added: number;
  updated: number;
  removed: number;
  /** A full run would hold these removals (removal guard). */
  wouldHoldRemovals: boolean;
  reason?: string;
}

export interface DryRunResult {
  mode: SyncMode;
  added: DryRunItem[];
  updated: DryRunItem[];
  removed: DryRunItem[];
  counts: { added: number; updated: number; removed: number };
  /** The lists stop at DRY_RUN_LIST_LIMIT items each; the counts do not. */
  truncated: boolean;
  vpds: DryRunVpd[];
}

export interface SyncStatusVpd {
  vpd: string;
  state: SyncStateName;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastFullSyncAt: string | null;
  consecutiveFailures: number;
  holders: number;
  people: number;
  active: number;
  pending: number;
  lastRun: SyncLastRun | null;
  progress: SyncProgress | null;
  heldRemovals: number;
  heldSince: string | null;
  lastError: string | null;
}

export interface SyncStatus {
  /** Holder id of the sync lease (the replica syncing now), or null. */
  leader: string | null;
  vpds: SyncStatusVpd[];
}

/** Who decided on held removals (for the audit). */
export interface DecisionActor {
  actingUser?: string;
  apiKeyId: string;
  requestId?: string;
}

export interface HeldRemovalsDecision {
  vpd: string;
  decision: 'approved' | 'rejected';
  /** Removals that were held. */
  count: number;
  /** Rows removed from the cache (approve). */
  removed: number;
}

interface RunContext {
  runId: string;
  lease: Lease;
  signal: AbortSignal;
  onProgress: (processed: number) => void;
}

interface VpdCounts {
  added: number;
  updated: number;
  removed: number;
  held: number;
  reason?: string;
}

class DiffCollector {
  readonly added: DryRunItem[] = [];
  readonly updated: DryRunItem[] = [];
  readonly removed: DryRunItem[] = [];
  readonly counts = { added: 0, updated: 0, removed: 0 };

  add(kind: 'added' | 'updated' | 'removed', item: DryRunItem): void {
    this.counts[kind]++;
    if (this[kind].length < DRY_RUN_LIST_LIMIT) this[kind].push(item);
  }
}

function errorCode(error: unknown): string {
  if (error instanceof DomainError) return error.code;
  if (error instanceof SyncInterruptedError) return error.code;
  if (error instanceof Error)
    return (
      error.name
        .replace(/Error$/, '')
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .toUpperCase() || 'ERROR'
    );
  return 'ERROR';
}

const throwIfAborted = (signal: AbortSignal): void => {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new SyncInterruptedError('SHUTDOWN');
};

/**
 * The role sync: keeps, per served VPD, the Digital Passport Administrator assignments in the cache
 * with their effective windows. One syncer at a time across replicas (the `sync` lease, renewed
 * while running; every write carries its fencing token). Runs never throw: they report outcomes.
 *
 * Public API (others call it; keep stable): runSync, startRun, getRun, dryRun, status,
 * approveHeldRemovals, rejectHeldRemovals, refreshRecords, vpdsToServe.
 */
@Injectable()
export class RoleSyncService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RoleSyncService.name);
  private readonly metrics: SyncMetrics;
  /** This replica's id as a lease holder. */
  readonly holderId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly active = new Set<AbortController>();
  private readonly background = new Set<Promise<unknown>>();
  private shuttingDown = false;
  /** Runs started on this replica and not finished (waiting for the lease or running). */
  private localRuns = 0;
  private gaugesRefreshedAt = 0;
  private readonly apiRunLeaseWaitMs: number;
  private readonly heldDecisionLeaseWaitMs: number;

  constructor(
    private readonly esr: EsrClient,
    private readonly store: CacheStore,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    metrics: MetricsService,
    private readonly audit: AuditService,
    @Optional() @Inject(ROLE_SYNC_OPTIONS) options: RoleSyncOptions = {},
  ) {
    this.metrics = new SyncMetrics(metrics, () => this.refreshGauges());
    this.apiRunLeaseWaitMs = options.apiRunLeaseWaitMs ?? API_RUN_LEASE_WAIT_MS;
    this.heldDecisionLeaseWaitMs = options.heldDecisionLeaseWaitMs ?? HELD_DECISION_LEASE_WAIT_MS;
  }

  // ---------------------------------------------------------------------------------------------
  // Runs

  /** Runs a sync now and reports its outcome (never throws). */
  async runSync(options: SyncRunOptions): Promise<SyncOutcome> {
    return this.execute(this.newRecord(options), options);
  }

  /** Starts a run in the background (waiting for a running one to finish); its record is readable at once. */
  async startRun(options: Omit<SyncRunOptions, 'waitForLeaseMs'>): Promise<{ runId: string }> {
    this.assertServed(options.vpd);
    if (this.shuttingDown) throw new DomainError('DEPENDENCY_UNAVAILABLE', 'The gateway is shutting down; try another replica.');
    const record = this.newRecord({ ...options, trigger: options.trigger ?? 'api' });
    await this.store.saveSyncRun(record, RUN_RECORD_TTL_MS);
    this.track(this.execute(record, { ...options, waitForLeaseMs: this.apiRunLeaseWaitMs }));
    return { runId: record.runId };
  }

  /**
   * For the scheduler: starts a run unless this replica is already running one. The scheduled full
   * run does not give way to a run in progress (here or on another replica), else the daily
   * reconciliation would be lost to an incremental run that happened to overlap: it waits for the
   * lease (up to SYNC_INTERVAL) and then does the VPDs that no run fully synced since the tick.
   */
  runScheduled(mode: SyncMode, trigger: 'schedule' | 'startup'): Promise<SyncOutcome> | null {
    const scheduledFull = mode === 'full' && trigger === 'schedule';
    if (this.shuttingDown || (this.localRuns > 0 && !scheduledFull)) return null;
    const run = this.runSync(
      scheduledFull
        ? { mode, trigger, waitForLeaseMs: this.config.syncIntervalMs, fullSyncedSince: this.clock.now().toISOString() }
        : { mode, trigger },
    );
    this.track(run);
    return run;
  }

  /** A run as recorded in the cache (any replica's). */
  async getRun(runId: string): Promise<SyncRunRecord> {
    const run = await this.store.readSyncRun(runId);
    if (!run) throw new NotFoundError(`There is no sync run ${runId} (run records are kept for 24 hours).`);
    return run;
  }

  /** The VPDs this gateway serves: ESR_VPDS, or every active VPD ESR lists. */
  async vpdsToServe(): Promise<string[]> {
    const configured = this.config.esrVpds;
    if (configured) return [...configured];
    return (await this.esr.listVpds())
      .filter((v) => v.active)
      .map((v) => v.vpd)
      .sort();
  }

  private newRecord(options: SyncRunOptions): SyncRunRecord {
    return {
      runId: randomUUID(),
      trigger: options.trigger ?? 'api',
      mode: options.mode,
      vpd: options.vpd ?? null,
      state: 'queued',
      requestedAt: this.clock.now().toISOString(),
      startedAt: null,
      finishedAt: null,
      holder: null,
      progress: { vpdsTotal: options.vpd ? 1 : 0, vpdsDone: 0, currentVpd: null, processed: 0 },
      vpds: [],
      reason: null,
    };
  }

  private async execute(record: SyncRunRecord, options: SyncRunOptions): Promise<SyncOutcome> {
    this.localRuns++;
    try {
      return await this.executeRun(record, options);
    } finally {
      this.localRuns--;
    }
  }

  private async executeRun(record: SyncRunRecord, options: SyncRunOptions): Promise<SyncOutcome> {
    const started = performance.now();
    let savedAt = 0;
    const save = async (force: boolean): Promise<void> => {
      if (!force && performance.now() - savedAt < PROGRESS_SAVE_INTERVAL_MS) return;
      savedAt = performance.now();
      await this.store.saveSyncRun(record, RUN_RECORD_TTL_MS).catch((error: unknown) => {
        this.logger.warn(`could not save sync run ${record.runId}: ${errorCode(error)}`);
      });
    };
    try {
      const result = await this.withLease(options.waitForLeaseMs ?? 0, async (lease, signal) => {
        record.state = 'running';
        record.startedAt = this.clock.now().toISOString();
        record.holder = this.holderId;
        await save(true);
        let vpds = options.vpd ? [options.vpd] : await this.vpdsToServe();
        const since = options.fullSyncedSince;
        if (since !== undefined) {
          const metas = await this.store.readVpdSync(vpds, this.clock.nowMs());
          vpds = vpds.filter((vpd) => {
            const at = metas.get(vpd)?.lastFullSyncAt;
            return !at || at <= since;
          });
        }
        record.progress.vpdsTotal = vpds.length;
        for (const vpd of vpds) {
          if (signal.aborted) break;
          record.progress.currentVpd = vpd;
          await save(true);
          const base = record.progress.processed;
          const context: RunContext = {
            runId: record.runId,
            lease,
            signal,
            onProgress: (processed) => {
              record.progress.processed = base + processed;
              void save(false);
            },
          };
          record.vpds.push(await this.syncVpd(context, vpd, options.mode));
          record.progress.vpdsDone++;
          await save(true);
        }
        if (signal.aborted) record.reason = errorCode(signal.reason);
      });
      if (!result.ran) {
        record.state = 'skipped';
        record.reason = 'Another sync run holds the sync lease.';
        this.metrics.runs.inc({ vpd: 'all', mode: options.mode, outcome: 'skipped' });
      } else {
        record.state = record.reason !== null || record.vpds.some((v) => v.status === 'failed') ? 'failed' : 'succeeded';
      }
    } catch (error) {
      record.state = 'failed';
      record.reason = errorCode(error);
      this.logger.error({ msg: 'role sync run failed', runId: record.runId, mode: options.mode, error: errorCode(error) });
    }
    record.finishedAt = this.clock.now().toISOString();
    record.progress.currentVpd = null;
    await save(true);
    this.logger.log({
      msg: 'role sync run finished',
      runId: record.runId,
      trigger: record.trigger,
      mode: options.mode,
      state: record.state,
      vpds: record.vpds.length,
      durationMs: Math.round(performance.now() - started),
    });
    const status = record.state === 'skipped' ? 'skipped' : record.state === 'succeeded' ? 'succeeded' : 'failed';
    return { runId: record.runId, status, mode: options.mode, vpds: record.vpds, reason: record.reason };
  }

  /** One VPD: incremental from the stored watermark, or full (never synced, asked for, 410, too many changes). */
  private async syncVpd(ctx: RunContext, vpd: string, requested: SyncMode): Promise<SyncRunVpdResult> {
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
      await this.store.markSyncStarted(vpd, ctx.lease, ctx.runId, at, progress);
      let counts: VpdCounts;
      if (mode === 'incremental') {
        try {
          counts = await this.incremental(ctx, vpd, before.watermark as string, progress, started);
        } catch (error) {
          if (!(error instanceof EsrWatermarkExpiredError) && !(error instanceof TooManyChangesError)) throw error;
          mode = 'full';
          reason = error instanceof EsrWatermarkExpiredError ? 'WATERMARK_EXPIRED' : 'TOO_MANY_CHANGES';
          Object.assign(progress, { mode, phase: 'listing', processed: 0, pages: 0 });
          counts = await this.full(ctx, vpd, progress, started);
        }
      } else {
        counts = await this.full(ctx, vpd, progress, started);
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
      await this.observe(result);
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
      await this.store.markSyncFailed(vpd, ctx.lease, at, code, lastRun).catch((e: unknown) => {
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
      await this.observe(result);
      return result;
    }
  }

  /**
   * Full run: streams the listing into a new generation (one batch write in flight while the next
   * page is fetched), counts removals in the cache, applies the removal guard, then switches over
   * atomically with the listing's watermark. On failure the new generation is dropped and the live
   * one keeps being served.
   */
  private async full(ctx: RunContext, vpd: string, progress: SyncProgress, started: number): Promise<VpdCounts> {
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
      await this.store.reportSyncProgress(vpd, lease, { ...progress });
      const live = (await this.store.readVpdSync([vpd], this.clock.nowMs())).get(vpd);
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

  /**
   * Incremental run: the changes since the stored watermark, applied with the new watermark in one
   * atomic step (long feeds are staged in the cache first). Cost grows with the number of changes.
   */
  private async incremental(ctx: RunContext, vpd: string, since: string, progress: SyncProgress, started: number): Promise<VpdCounts> {
    const { lease, signal } = ctx;
    const stageId = ctx.runId;
    let buffer: CachedRoleChange[] = [];
    let staged = 0;
    let watermark = since;
    try {
      for await (const page of this.esr.listRoleChanges(vpd, since)) {
        throwIfAborted(signal);
        watermark = page.watermark;
        for (const change of page.items) buffer.push(this.toChange(change));
        progress.pages++;
        progress.processed += page.items.length + page.skipped;
        ctx.onProgress(progress.processed);
        if (progress.processed > MAX_INCREMENTAL_CHANGES) throw new TooManyChangesError(MAX_INCREMENTAL_CHANGES);
        if (buffer.length >= STAGE_BATCH) {
          await this.store.stageChanges(vpd, stageId, buffer, lease, RUN_RECORD_TTL_MS);
          staged += buffer.length;
          buffer = [];
          await this.store.reportSyncProgress(vpd, lease, { ...progress });
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

  private toChange(change: EsrRoleChange): CachedRoleChange {
    return change.op === 'delete'
      ? { op: 'delete', assignmentId: change.assignmentId }
      : { op: 'upsert', role: toCachedRole(change.assignment, this.config.activationDelayMs) };
  }

  /** Metrics and the one log line per run and VPD (counts and duration, no personal data). */
  private async observe(result: SyncRunVpdResult): Promise<void> {
    const { vpd, mode } = result;
    this.metrics.runs.inc({ vpd, mode, outcome: result.status });
    this.metrics.duration.observe({ mode }, result.durationMs / 1000);
    for (const kind of ['added', 'updated', 'removed'] as const)
      if (result[kind] > 0) this.metrics.items.inc({ vpd, mode, kind }, result[kind]);
    const line = {
      msg: 'role sync',
      vpd,
      mode,
      outcome: result.status,
      added: result.added,
      updated: result.updated,
      removed: result.removed,
      held: result.held,
      durationMs: result.durationMs,
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.error ? { error: result.error } : {}),
    };
    if (result.status === 'failed') this.logger.warn(line);
    else this.logger.log(line);
    const meta = await this.store
      .readVpdSync([vpd], this.clock.nowMs())
      .then((m) => m.get(vpd))
      .catch(() => undefined);
    if (meta) this.setGauges(meta);
  }

  private setGauges(meta: VpdSyncRecord): void {
    const { vpd } = meta;
    if (meta.lastSuccessAt) this.metrics.lastSuccess.set({ vpd }, Date.parse(meta.lastSuccessAt) / 1000);
    this.metrics.heldRemovals.set({ vpd }, meta.heldRemovals);
    this.metrics.consecutiveFailures.set({ vpd }, meta.consecutiveFailures);
  }

  /** On scrape: gauges from the shared cache, so every replica reports the same (at most every 5 s). */
  private async refreshGauges(): Promise<void> {
    const now = performance.now();
    if (now - this.gaugesRefreshedAt < 5000) return;
    this.gaugesRefreshedAt = now;
    try {
      const vpds = this.config.esrVpds ?? (await this.store.knownSyncVpds());
      for (const meta of (await this.store.readVpdSync(vpds, this.clock.nowMs())).values()) this.setGauges(meta);
    } catch {
      /* the cache is down: keep the last values; readiness reports the outage */
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Lease

  private async withLease<T>(
    waitMs: number,
    work: (lease: Lease, signal: AbortSignal) => Promise<T>,
  ): Promise<{ ran: true; value: T } | { ran: false }> {
    const ttl = this.config.syncLeaseTtlMs;
    const deadline = performance.now() + waitMs;
    let lease = await this.store.acquireLease(SYNC_LEASE, this.holderId, ttl);
    while (!lease && performance.now() < deadline && !this.shuttingDown) {
      await sleep(Math.min(250, Math.max(1, deadline - performance.now())));
      lease = await this.store.acquireLease(SYNC_LEASE, this.holderId, ttl);
    }
    if (!lease) return { ran: false };
    const held = lease;
    const controller = new AbortController();
    this.active.add(controller);
    let renewedAt = performance.now();
    let renewing = false;
    const timer = setInterval(
      () => {
        if (renewing) return;
        renewing = true;
        this.store
          .renewLease(held, ttl)
          .then(
            (ok) => {
              if (ok) renewedAt = performance.now();
              else controller.abort(new SyncInterruptedError('LEASE_LOST'));
            },
            () => {
              if (performance.now() - renewedAt >= ttl) controller.abort(new SyncInterruptedError('LEASE_LOST'));
            },
          )
          .finally(() => {
            renewing = false;
          });
      },
      Math.max(20, Math.floor(ttl / 3)),
    );
    this.metrics.leaseHolder.set(1);
    try {
      return { ran: true, value: await work(held, controller.signal) };
    } finally {
      clearInterval(timer);
      this.active.delete(controller);
      this.metrics.leaseHolder.set(0);
      await this.store.releaseLease(held).catch(() => undefined);
    }
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.catch(() => undefined).finally(() => this.background.delete(settled));
    this.background.add(settled);
  }

  /** Stops running syncs at the next page (their new generation is dropped; the live data stays). */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const controller of this.active) controller.abort(new SyncInterruptedError('SHUTDOWN'));
    const grace = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.background]),
      sleep(this.config.shutdownGraceMs, undefined, { signal: grace.signal }).catch(() => undefined),
    ]);
    grace.abort();
  }

  // ---------------------------------------------------------------------------------------------
  // Dry runs

  /** What a run would change, listing it; writes nothing that is served (and needs no lease). */
  async dryRun(options: { mode: SyncMode; vpd?: string }): Promise<DryRunResult> {
    this.assertServed(options.vpd);
    const vpds = options.vpd ? [options.vpd] : await this.vpdsToServe();
    const all = new DiffCollector();
    const result: DryRunResult = {
      mode: options.mode,
      added: [],
      updated: [],
      removed: [],
      counts: all.counts,
      truncated: false,
      vpds: [],
    };
    for (const vpd of vpds) {
      const meta = (await this.store.readVpdSync([vpd], this.clock.nowMs())).get(vpd) as VpdSyncRecord;
      let mode: SyncMode = options.mode === 'incremental' && meta.generation && meta.watermark ? 'incremental' : 'full';
      let reason: string | undefined = options.mode === 'incremental' && mode === 'full' ? 'NEVER_SYNCED' : undefined;
      let diff = new DiffCollector();
      let wouldHold = false;
      if (mode === 'incremental') {
        try {
          await this.dryIncremental(vpd, meta.watermark as string, diff);
        } catch (error) {
          if (!(error instanceof EsrWatermarkExpiredError) && !(error instanceof TooManyChangesError)) throw error;
          mode = 'full';
          reason = error instanceof EsrWatermarkExpiredError ? 'WATERMARK_EXPIRED' : 'TOO_MANY_CHANGES';
          diff = new DiffCollector();
        }
      }
      if (mode === 'full') wouldHold = await this.dryFull(vpd, meta.counts?.holders ?? 0, diff);
      for (const kind of ['added', 'updated', 'removed'] as const) {
        for (const item of diff[kind]) all.add(kind, item);
        all.counts[kind] += diff.counts[kind] - diff[kind].length;
      }
      result.vpds.push({ vpd, mode, ...diff.counts, wouldHoldRemovals: wouldHold, ...(reason ? { reason } : {}) });
    }
    result.added = all.added;
    result.updated = all.updated;
    result.removed = all.removed;
    result.truncated = (['added', 'updated', 'removed'] as const).some((kind) => all.counts[kind] > all[kind].length);
    return result;
  }

  private async dryFull(vpd: string, liveHolders: number, diff: DiffCollector): Promise<boolean> {
    const scratch = `dry-${randomUUID()}`;
    let listed = 0;
    try {
      for await (const page of this.esr.listRoleAssignments(vpd)) {
        const roles = page.items.map((item) => toCachedRole(item, this.config.activationDelayMs));
        listed += roles.length;
        if (roles.length === 0) continue;
        this.classify(
          vpd,
          roles,
          await this.store.lookupRoles(
            vpd,
            roles.map((r) => r.assignmentId),
          ),
          diff,
        );
        await this.store.markSeen(vpd, scratch, roles.map(ref), SCRATCH_TTL_MS);
      }
      let cursor = '0';
      do {
        const page = await this.store.scanRemovals(vpd, scratch, cursor, REMOVAL_SCAN_COUNT);
        for (const removed of page.removed) diff.add('removed', { vpd, ...removed });
        cursor = page.cursor;
      } while (cursor !== '0');
    } finally {
      await this.store.dropGeneration(vpd, scratch).catch(() => undefined);
    }
    return removalGuard(
      { liveHolders, listed, removals: diff.counts.removed },
      { percent: this.config.removalGuardPercent, count: this.config.removalGuardCount },
    ).hold;
  }

  private async dryIncremental(vpd: string, since: string, diff: DiffCollector): Promise<void> {
    const latest = new Map<string, CachedRoleChange>();
    for await (const page of this.esr.listRoleChanges(vpd, since)) {
      for (const change of page.items) {
        latest.delete(change.assignmentId);
        latest.set(change.assignmentId, this.toChange(change));
      }
      if (latest.size > MAX_INCREMENTAL_CHANGES) throw new TooManyChangesError(MAX_INCREMENTAL_CHANGES);
    }
    const ids = [...latest.keys()];
    for (let i = 0; i < ids.length; i += STAGE_BATCH) {
      const chunk = ids.slice(i, i + STAGE_BATCH);
      const live = await this.store.lookupRoles(vpd, chunk);
      for (const id of chunk) {
        const change = latest.get(id) as CachedRoleChange;
        const old = live.get(id);
        if (change.op === 'delete') {
          if (old) diff.add('removed', { vpd, assignmentId: id, employeeNumber: old.employeeNumber });
        } else if (!old) {
          diff.add('added', { vpd, ...ref(change.role) });
        } else if (!sameRole(old, change.role)) {
          diff.add('updated', { vpd, ...ref(change.role) });
        }
      }
    }
  }

  private classify(vpd: string, roles: CachedRole[], live: Map<string, CachedRole>, diff: DiffCollector): void {
    for (const role of roles) {
      const old = live.get(role.assignmentId);
      if (!old) diff.add('added', { vpd, ...ref(role) });
      else if (!sameRole(old, role)) diff.add('updated', { vpd, ...ref(role) });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Status and held removals

  /** Sync state per VPD (served VPDs, or every VPD synced so far) and the current leader. */
  async status(): Promise<SyncStatus> {
    const vpds = this.config.esrVpds ?? (await this.store.knownSyncVpds());
    const [records, leader] = await Promise.all([this.store.readVpdSync(vpds, this.clock.nowMs()), this.store.leaseHolder(SYNC_LEASE)]);
    return {
      leader,
      vpds: vpds.map((vpd) => {
        const meta = records.get(vpd) as VpdSyncRecord;
        const running = meta.running !== null && leader !== null;
        // A run id left behind by a replica that died mid-run, with nobody syncing now.
        const abandoned = meta.running !== null && leader === null;
        return {
          vpd,
          state: running ? 'RUNNING' : abandoned ? 'FAILED' : deriveSyncState(meta),
          lastAttemptAt: meta.lastAttemptAt,
          lastSuccessAt: meta.lastSuccessAt,
          lastFullSyncAt: meta.lastFullSyncAt,
          consecutiveFailures: meta.consecutiveFailures,
          holders: meta.counts?.holders ?? 0,
          people: meta.counts?.people ?? 0,
          active: meta.counts?.active ?? 0,
          pending: meta.counts?.pending ?? 0,
          lastRun: meta.lastRun,
          progress: running ? meta.progress : null,
          heldRemovals: meta.heldRemovals,
          heldSince: meta.heldSince,
          lastError: meta.lastOutcome === 'failed' ? meta.lastError : abandoned ? 'ABANDONED' : null,
        };
      }),
    };
  }

  /** Applies a VPD's held removals (audited). NOT_FOUND when nothing is held; CONFLICT while a run goes on. */
  approveHeldRemovals(vpd: string, by: DecisionActor): Promise<HeldRemovalsDecision> {
    return this.decideHeld(vpd, by, 'approved');
  }

  /** Discards a VPD's held removals, keeping the rows (audited). */
  rejectHeldRemovals(vpd: string, by: DecisionActor): Promise<HeldRemovalsDecision> {
    return this.decideHeld(vpd, by, 'rejected');
  }

  private async decideHeld(vpd: string, by: DecisionActor, decision: 'approved' | 'rejected'): Promise<HeldRemovalsDecision> {
    const outcome = await this.withLease(this.heldDecisionLeaseWaitMs, async (lease) => {
      const meta = (await this.store.readVpdSync([vpd], this.clock.nowMs())).get(vpd);
      const count = meta?.heldRemovals ?? 0;
      if (count === 0) throw new NotFoundError(`VPD ${vpd} has no held removals.`);
      // Audited before the change: an applied decision is never missing from the audit.
      await this.audit.record({
        type: decision === 'approved' ? 'SYNC_REMOVALS_APPROVED' : 'SYNC_REMOVALS_REJECTED',
        actor: by.actingUser ?? by.apiKeyId,
        apiKeyId: by.apiKeyId,
        requestId: by.requestId ?? null,
        vpd,
        outcome: decision.toUpperCase(),
        details: { count, heldSince: meta?.heldSince ?? null },
      });
      let removed = 0;
      if (decision === 'approved') {
        let remaining = count;
        while (remaining > 0) {
          const step = await this.store.approveHeldRemovals(vpd, lease, REMOVAL_SCAN_COUNT);
          removed += step.removed;
          remaining = step.remaining;
        }
      } else {
        await this.store.rejectHeldRemovals(vpd, lease);
      }
      this.metrics.heldRemovals.set({ vpd }, 0);
      this.logger.log({ msg: 'held removals decided', vpd, decision, count, removed });
      return { vpd, decision, count, removed };
    });
    if (!outcome.ran) throw new DomainError('CONFLICT', 'A sync run is in progress; decide on the held removals when it has finished.');
    return outcome.value;
  }

  // ---------------------------------------------------------------------------------------------
  // Refresh on demand

  /**
   * Fetches these people's role assignments from ESR now and replaces their rows in the cache (same
   * window rules as a sync), for a user just given the role. Written only if the live data did not
   * change since it was read (else read again, up to 3 times), so a refresh never overwrites what a
   * sync wrote after it; during a full run the rows also go into the generation being built, so the
   * switch does not lose them. No-op for a VPD never synced. ESR failures propagate.
   */
  async refreshRecords(vpd: string, employeeNumbers: string[]): Promise<void> {
    if (!VPD.test(vpd)) throw new ValidationFailedError('vpd must be 3 digits', [{ field: 'vpd', message: 'vpd must be 3 digits' }]);
    const people = [...new Set(employeeNumbers)];
    if (people.length === 0) return;
    for (let attempt = 1; attempt <= REFRESH_ATTEMPTS; attempt++) {
      const meta = (await this.store.readVpdSync([vpd], this.clock.nowMs())).get(vpd) as VpdSyncRecord;
      if (!meta.generation && !meta.building) return;
      const records = await Promise.all(
        people.map(async (employeeNumber) => {
          const roles: CachedRole[] = [];
          for await (const page of this.esr.listRoleAssignments(vpd, { employeeNumber })) {
            for (const item of page.items) {
              if (item.employeeNumber === employeeNumber) roles.push(toCachedRole(item, this.config.activationDelayMs));
            }
          }
          return { employeeNumber, roles };
        }),
      );
      const result = await this.store.replaceRecords(vpd, records, meta.seq, this.clock.nowMs());
      if (result !== 'conflict') return;
    }
    this.logger.warn({ msg: 'refresh kept conflicting with sync writes; the synced data stays', vpd, people: people.length });
  }

  private assertServed(vpd: string | undefined): void {
    const served = this.config.esrVpds;
    if (vpd !== undefined && served && !served.includes(vpd)) {
      throw new ValidationFailedError(`VPD ${vpd} is not one of the VPDs this gateway serves (ESR_VPDS).`, [
        { field: 'vpd', message: 'vpd must be one of the VPDs this gateway serves' },
      ]);
    }
  }
}

const ref = (role: CachedRole): RoleRef => ({ assignmentId: role.assignmentId, employeeNumber: role.employeeNumber });

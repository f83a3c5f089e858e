import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { inSpan } from '../common/tracing/tracer';
import { SyncSettings } from '../config/settings/sync.settings';
import { RoleReads } from '../role-store/role-reads';
import { RoleRuns } from '../role-store/role-runs';
import { JobsShutdown } from '../jobs/jobs-shutdown';
import { Lease } from '../role-store/lease-store';
import { SyncMode, SyncRunRecord, SyncRunVpdResult } from '../role-store/sync-records.types';
import { AbandonedRuns } from './abandoned-runs';
import { RunRecordWriter } from './run-record-writer';
import { ServedVpds } from './served-vpds';
import { errorCode } from './sync.errors';
import { SyncLease } from './sync-lease';
import { SyncMetrics } from './sync.metrics';
import { RUN_RECORD_TTL_MS, RunContext, SYNC_OPTIONS, SyncOptions, SyncOutcome, SyncRunOptions } from './sync.types';
import { VpdSync } from './vpd-sync';

/** How long an API-triggered run waits for a running one to finish before it is skipped. */
const API_RUN_LEASE_WAIT_MS = 60_000;

/** How a run ended, before its record is finished. */
type RunEnd = { state: 'succeeded' | 'failed' | 'skipped'; reason: string | null };

/**
 * Sync runs: each has a run record any replica can read (GET /v1/sync/runs/{runId}), runs holding
 * the sync lease (one syncer at a time across replicas; every write carries its fencing token), and
 * syncs its VPDs one after another (VpdSync). Runs never throw: they report outcomes.
 *
 * Public API: runSync, startRun, runScheduled (the scheduler), getRun.
 */
@Injectable()
export class RunCoordinator {
  private readonly logger = new Logger(RunCoordinator.name);
  /** Runs started on this replica and not finished (waiting for the lease or running). */
  private localRuns = 0;
  private readonly apiRunLeaseWaitMs: number;

  constructor(
    private readonly store: RoleRuns,
    private readonly reads: RoleReads,
    private readonly settings: SyncSettings,
    private readonly clock: Clock,
    private readonly lease: SyncLease,
    private readonly shutdown: JobsShutdown,
    private readonly served: ServedVpds,
    private readonly vpdSync: VpdSync,
    private readonly metrics: SyncMetrics,
    private readonly abandoned: AbandonedRuns,
    @Optional() @Inject(SYNC_OPTIONS) options: SyncOptions = {},
  ) {
    this.apiRunLeaseWaitMs = options.apiRunLeaseWaitMs ?? API_RUN_LEASE_WAIT_MS;
  }

  /** Runs a sync now and reports its outcome (never throws). */
  async runSync(options: SyncRunOptions): Promise<SyncOutcome> {
    return this.execute(this.newRecord(options), options);
  }

  /** Starts a run in the background (waiting for a running one to finish); its record is readable at once. */
  async startRun(options: Omit<SyncRunOptions, 'waitForLeaseMs'>): Promise<{ runId: string }> {
    this.served.assertServed(options.vpd);
    if (this.shutdown.shuttingDown) throw new DomainError('DEPENDENCY_UNAVAILABLE', 'The gateway is shutting down; try another replica.');
    const record = this.newRecord({ ...options, trigger: options.trigger ?? 'api' });
    await this.store.saveSyncRun(record, RUN_RECORD_TTL_MS);
    this.shutdown.track(this.execute(record, { ...options, waitForLeaseMs: this.apiRunLeaseWaitMs }));
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
    if (this.shutdown.shuttingDown || (this.localRuns > 0 && !scheduledFull)) return null;
    const run = this.runSync(
      scheduledFull
        ? { mode, trigger, waitForLeaseMs: this.settings.intervalMs, fullSyncedSince: this.clock.now().toISOString() }
        : { mode, trigger },
    );
    this.shutdown.track(run);
    return run;
  }

  /** A run as recorded in the cache (any replica's); a run whose replica died reads `abandoned`. */
  async getRun(runId: string): Promise<SyncRunRecord> {
    const run = await this.store.readSyncRun(runId);
    if (!run) throw new NotFoundError(`There is no sync run ${runId} (run records are kept for 24 hours).`);
    return this.abandoned.settle(run);
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
      heartbeatAt: null,
      progress: { vpdsTotal: options.vpd ? 1 : 0, vpdsDone: 0, currentVpd: null, processed: 0 },
      vpds: [],
      reason: null,
    };
  }

  private async execute(record: SyncRunRecord, options: SyncRunOptions): Promise<SyncOutcome> {
    this.localRuns++;
    try {
      const attributes = { 'sync.run_id': record.runId, 'sync.mode': options.mode, 'sync.trigger': record.trigger };
      return await inSpan('sync run', attributes, () => this.executeRun(record, options));
    } finally {
      this.localRuns--;
    }
  }

  /** Holds the lease for the run (or records it skipped), then finishes its record. */
  private async executeRun(record: SyncRunRecord, options: SyncRunOptions): Promise<SyncOutcome> {
    const started = performance.now();
    const writer = new RunRecordWriter(record, (run) => this.save(run));
    let end: RunEnd;
    try {
      const held = await this.lease.run(
        options.waitForLeaseMs ?? 0,
        (lease, signal) => this.runHolding(writer, options, lease, signal),
        async () => void (await writer.update({ heartbeatAt: this.clock.now().toISOString() })),
      );
      end = held.ran ? held.value : { state: 'skipped', reason: 'Another sync run holds the sync lease.' };
    } catch (error) {
      end = { state: 'failed', reason: errorCode(error) };
      this.logger.error({ msg: 'role sync run failed', runId: record.runId, mode: options.mode, error: end.reason });
    }
    if (end.state === 'skipped') this.metrics.runs.inc({ vpd: 'all', mode: options.mode, outcome: 'skipped' });
    const finished = await writer.update((run) => ({
      ...end,
      finishedAt: this.clock.now().toISOString(),
      progress: { ...run.progress, currentVpd: null },
    }));
    this.logFinished(finished, Math.round(performance.now() - started));
    return { runId: finished.runId, status: end.state, mode: options.mode, vpds: finished.vpds, reason: finished.reason };
  }

  /** The run while it holds the lease: marks it running, chooses its VPDs and syncs each in turn. */
  private async runHolding(writer: RunRecordWriter, options: SyncRunOptions, lease: Lease, signal: AbortSignal): Promise<RunEnd> {
    const now = this.clock.now().toISOString();
    await writer.update({ state: 'running', startedAt: now, heartbeatAt: now, holder: this.lease.holderId });
    const vpds = await this.chooseVpds(options);
    writer.progress((run) => ({ progress: { ...run.progress, vpdsTotal: vpds.length } }));
    const results = await this.syncEach(writer, vpds, options.mode, lease, signal);
    const reason = signal.aborted ? errorCode(signal.reason) : null;
    return { state: reason !== null || results.some((v) => v.status === 'failed') ? 'failed' : 'succeeded', reason };
  }

  /** The VPD asked for, or every VPD served, leaving out those fully synced since `fullSyncedSince`. */
  private async chooseVpds(options: SyncRunOptions): Promise<string[]> {
    const vpds = options.vpd ? [options.vpd] : await this.served.list();
    const since = options.fullSyncedSince;
    if (since === undefined) return vpds;
    const metas = await this.reads.readVpdSync(vpds, this.clock.nowMs());
    return vpds.filter((vpd) => {
      const at = metas.get(vpd)?.lastFullSyncAt;
      return !at || at <= since;
    });
  }

  /** Syncs the VPDs one after another (stopping once the signal is aborted); their results in order. */
  private async syncEach(
    writer: RunRecordWriter,
    vpds: string[],
    mode: SyncMode,
    lease: Lease,
    signal: AbortSignal,
  ): Promise<SyncRunVpdResult[]> {
    for (const vpd of vpds) {
      if (signal.aborted) break;
      const base = (await writer.update((run) => ({ progress: { ...run.progress, currentVpd: vpd } }))).progress.processed;
      const context: RunContext = {
        runId: writer.current.runId,
        lease,
        signal,
        onProgress: (processed) => writer.progress((run) => ({ progress: { ...run.progress, processed: base + processed } })),
      };
      const result = await inSpan('sync VPD', { 'esr.vpd': vpd, 'sync.mode': mode }, () => this.vpdSync.run(context, vpd, mode));
      await writer.update((run) => ({ vpds: [...run.vpds, result], progress: { ...run.progress, vpdsDone: run.progress.vpdsDone + 1 } }));
    }
    return writer.current.vpds;
  }

  private async save(record: SyncRunRecord): Promise<void> {
    await this.store.saveSyncRun(record, RUN_RECORD_TTL_MS).catch((error: unknown) => {
      this.logger.warn(`could not save sync run ${record.runId}: ${errorCode(error)}`);
    });
  }

  private logFinished(record: SyncRunRecord, durationMs: number): void {
    this.logger.log({
      msg: 'role sync run finished',
      runId: record.runId,
      trigger: record.trigger,
      mode: record.mode,
      state: record.state,
      vpds: record.vpds.length,
      durationMs,
    });
  }
}

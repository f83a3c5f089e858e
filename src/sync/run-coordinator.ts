import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { RoleReads } from '../role-store/role-reads';
import { RoleRuns } from '../role-store/role-runs';
import { SyncMode, SyncRunRecord } from '../role-store/sync-records.types';
import { ServedVpds } from './served-vpds';
import { errorCode } from './sync.errors';
import { SyncLease } from './sync-lease';
import { SyncShutdown } from './sync-shutdown';
import { SyncStatusService } from './sync-status.service';
import { RUN_RECORD_TTL_MS, RunContext, SYNC_OPTIONS, SyncOptions, SyncOutcome, SyncRunOptions } from './sync.types';
import { VpdSync } from './vpd-sync';

/** How long an API-triggered run waits for a running one to finish before it is skipped. */
const API_RUN_LEASE_WAIT_MS = 60_000;
const PROGRESS_SAVE_INTERVAL_MS = 1000;

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
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly lease: SyncLease,
    private readonly shutdown: SyncShutdown,
    private readonly served: ServedVpds,
    private readonly vpdSync: VpdSync,
    private readonly status: SyncStatusService,
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
        ? { mode, trigger, waitForLeaseMs: this.config.syncIntervalMs, fullSyncedSince: this.clock.now().toISOString() }
        : { mode, trigger },
    );
    this.shutdown.track(run);
    return run;
  }

  /** A run as recorded in the cache (any replica's). */
  async getRun(runId: string): Promise<SyncRunRecord> {
    const run = await this.store.readSyncRun(runId);
    if (!run) throw new NotFoundError(`There is no sync run ${runId} (run records are kept for 24 hours).`);
    return run;
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
      const result = await this.lease.run(options.waitForLeaseMs ?? 0, async (lease, signal) => {
        record.state = 'running';
        record.startedAt = this.clock.now().toISOString();
        record.holder = this.lease.holderId;
        await save(true);
        let vpds = options.vpd ? [options.vpd] : await this.served.list();
        const since = options.fullSyncedSince;
        if (since !== undefined) {
          const metas = await this.reads.readVpdSync(vpds, this.clock.nowMs());
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
          record.vpds.push(await this.vpdSync.run(context, vpd, options.mode));
          record.progress.vpdsDone++;
          await save(true);
        }
        if (signal.aborted) record.reason = errorCode(signal.reason);
      });
      if (!result.ran) {
        record.state = 'skipped';
        record.reason = 'Another sync run holds the sync lease.';
        this.status.metrics.runs.inc({ vpd: 'all', mode: options.mode, outcome: 'skipped' });
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
}

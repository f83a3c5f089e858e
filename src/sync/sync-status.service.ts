import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { EsrSettings } from '../config/settings/esr.settings';
import { LeaseStore } from '../role-store/lease-store';
import { RoleReads } from '../role-store/role-reads';
import { deriveSyncState, SyncRunVpdResult, VpdSyncRecord } from '../role-store/sync-records.types';
import { SyncMetrics } from './sync.metrics';
import { SYNC_LEASE, SyncStatus } from './sync.types';

/** Gauges are read again from the shared store on scrape at most this often. */
const GAUGE_REFRESH_MS = 5000;

/**
 * The sync's state as ops see it: status() per VPD with the current leader, the sync metrics, and
 * the one log line per run and VPD. Gauges come from the shared store, so every replica reports the
 * same values, not only the one that ran the sync.
 */
@Injectable()
export class SyncStatusService {
  private readonly logger = new Logger(SyncStatusService.name);
  private gaugesRefreshedAt = 0;

  constructor(
    private readonly store: RoleReads,
    private readonly leases: LeaseStore,
    private readonly esr: EsrSettings,
    private readonly clock: Clock,
    private readonly metrics: SyncMetrics,
  ) {
    metrics.refreshGaugesOnScrape(() => this.refreshGauges());
  }

  /** Sync state per VPD (served VPDs, or every VPD synced so far) and the current leader. */
  async status(): Promise<SyncStatus> {
    const vpds = this.esr.vpds ?? (await this.store.knownSyncVpds());
    const [records, leader] = await Promise.all([this.store.readVpdSync(vpds, this.clock.nowMs()), this.leases.holder(SYNC_LEASE)]);
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
          heldRun: meta.heldRun,
          lastError: meta.lastOutcome === 'failed' ? meta.lastError : abandoned ? 'ABANDONED' : null,
        };
      }),
    };
  }

  /** Metrics and the one log line per run and VPD (counts and duration, no personal data). */
  async observe(result: SyncRunVpdResult): Promise<void> {
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

  /** On scrape: gauges from the shared store, so every replica reports the same (at most every 5 s). */
  private async refreshGauges(): Promise<void> {
    const now = performance.now();
    if (now - this.gaugesRefreshedAt < GAUGE_REFRESH_MS) return;
    this.gaugesRefreshedAt = now;
    try {
      const vpds = this.esr.vpds ?? (await this.store.knownSyncVpds());
      for (const meta of (await this.store.readVpdSync(vpds, this.clock.nowMs())).values()) this.setGauges(meta);
    } catch {
      /* the store is down: keep the last values; readiness reports the outage */
    }
  }
}

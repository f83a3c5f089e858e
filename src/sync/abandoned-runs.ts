import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { SyncSettings } from '../config/settings/sync.settings';
import { JobRunner } from '../jobs/job-runner';
import { JobScheduler } from '../jobs/job-scheduler';
import { LeaseStore } from '../role-store/lease-store';
import { RoleReads } from '../role-store/role-reads';
import { RoleRuns } from '../role-store/role-runs';
import { SyncRunRecord } from '../role-store/sync-records.types';
import { errorCode } from './sync.errors';
import { RUN_RECORD_TTL_MS, SYNC_LEASE } from './sync.types';

/** The job that records abandoned runs, every sync lease TTL. */
export const ABANDONED_RUNS_JOB = 'sync-abandoned-runs';
/** The reason an abandoned run reads. */
export const ABANDONED = 'ABANDONED';

/**
 * A run record as it should read now: a `running` record whose heartbeat (its lease's last
 * renewal) is older than the lease TTL, while its holder no longer holds the sync lease, was
 * abandoned by a replica that died; it finished when its lease expired (heartbeat + TTL).
 * Null when the record stands as it is.
 */
export function abandonedView(record: SyncRunRecord, leaseHolder: string | null, nowMs: number, ttlMs: number): SyncRunRecord | null {
  if (record.state !== 'running' || leaseHolder === record.holder) return null;
  const beat = Date.parse(record.heartbeatAt ?? record.startedAt ?? record.requestedAt);
  if (Number.isNaN(beat) || nowMs - beat <= ttlMs) return null;
  return {
    ...record,
    state: 'abandoned',
    finishedAt: new Date(beat + ttlMs).toISOString(),
    progress: { ...record.progress, currentVpd: null },
    reason: ABANDONED,
  };
}

/**
 * Runs whose replica died: reads them as abandoned (getRun) and, every check interval, records it
 * for the runs the per-VPD sync state still names as running.
 */
@Injectable()
export class AbandonedRuns {
  private readonly logger = new Logger(AbandonedRuns.name);

  constructor(
    private readonly store: RoleRuns,
    private readonly reads: RoleReads,
    private readonly leases: LeaseStore,
    private readonly settings: SyncSettings,
    private readonly clock: Clock,
  ) {}

  /** The record as it reads now, saving it when it turned out abandoned. */
  async settle(record: SyncRunRecord, leaseHolder?: string | null): Promise<SyncRunRecord> {
    const holder = leaseHolder !== undefined ? leaseHolder : await this.leases.holder(SYNC_LEASE);
    const abandoned = abandonedView(record, holder, this.clock.nowMs(), this.settings.leaseTtlMs);
    if (!abandoned) return record;
    await this.store.saveSyncRun(abandoned, RUN_RECORD_TTL_MS).catch((error: unknown) => {
      this.logger.warn(`could not save abandoned sync run ${record.runId}: ${errorCode(error)}`);
    });
    return abandoned;
  }

  /** One check: the runs named as running in the per-VPD sync state, recorded as abandoned when they are. */
  async check(): Promise<number> {
    const vpds = await this.reads.knownSyncVpds();
    const metas = await this.reads.readVpdSync(vpds, this.clock.nowMs());
    const runIds = new Set([...metas.values()].map((meta) => meta.running).filter((id): id is string => id !== null));
    if (runIds.size === 0) return 0;
    const holder = await this.leases.holder(SYNC_LEASE);
    let settled = 0;
    for (const runId of runIds) {
      const record = await this.store.readSyncRun(runId);
      if (record && (await this.settle(record, holder)) !== record) settled++;
    }
    if (settled > 0) this.logger.warn({ msg: 'sync runs abandoned by a replica that died', runs: settled });
    return settled;
  }
}

/** Schedules AbandonedRuns.check every SYNC_LEASE_TTL when SYNC_ENABLED (every replica may run it: it is idempotent). */
@Injectable()
export class AbandonedRunsCheck implements OnApplicationBootstrap {
  constructor(
    private readonly schedule: JobScheduler,
    private readonly jobs: JobRunner,
    private readonly runs: AbandonedRuns,
    private readonly settings: SyncSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) return;
    this.schedule.every(ABANDONED_RUNS_JOB, this.settings.leaseTtlMs, () => this.jobs.shared(ABANDONED_RUNS_JOB, () => this.runs.check()));
  }
}

import { Injectable } from '@nestjs/common';
import { SyncSettings } from '../config/settings/sync.settings';
import { ExclusiveJob, JobRun, JobRunner } from '../jobs/job-runner';
import { ReplicaId } from '../jobs/replica-id';
import { Lease } from '../role-store/lease-store';
import { SyncInterruptedError } from './sync.errors';
import { SyncMetrics } from './sync.metrics';
import { SYNC_LEASE } from './sync.types';

/**
 * The `sync` job as the JobRunner runs it: one syncer at a time across replicas, the lease renewed
 * while the work runs (every write carries its fencing token); losing it, or shutdown, aborts the
 * work's signal with a SyncInterruptedError. Also sets esr_gateway_sync_lease_holder.
 */
@Injectable()
export class SyncLease {
  constructor(
    private readonly jobs: JobRunner,
    private readonly replica: ReplicaId,
    private readonly settings: SyncSettings,
    private readonly metrics: SyncMetrics,
  ) {}

  /** This replica's id as a lease holder. */
  get holderId(): string {
    return this.replica.value;
  }

  /**
   * Runs `work` holding the lease, waiting up to `waitMs` for it; `ran: false` when it stayed taken.
   * `onRenewed` is called after each renewal of the lease while the work runs.
   */
  run<T>(waitMs: number, work: (lease: Lease, signal: AbortSignal) => Promise<T>, onRenewed?: () => Promise<void>): Promise<JobRun<T>> {
    return this.runAs(SYNC_LEASE, waitMs, work, onRenewed);
  }

  /** As run, named `job` in the job metrics (other work that holds the sync lease, e.g. held-removal decisions). */
  runAs<T>(
    job: string,
    waitMs: number,
    work: (lease: Lease, signal: AbortSignal) => Promise<T>,
    onRenewed?: () => Promise<void>,
  ): Promise<JobRun<T>> {
    const spec: ExclusiveJob = {
      name: job,
      lease: SYNC_LEASE,
      ttlMs: this.settings.leaseTtlMs,
      waitMs,
      interrupt: (cause) => new SyncInterruptedError(cause === 'lease_lost' ? 'LEASE_LOST' : 'SHUTDOWN'),
      onRenewed,
    };
    return this.jobs.exclusive(spec, async (lease, signal) => {
      this.metrics.leaseHolder.set(1);
      try {
        return await work(lease, signal);
      } finally {
        this.metrics.leaseHolder.set(0);
      }
    });
  }
}

import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lease, LeaseStore } from '../role-store/lease-store';
import { heldRunOutcome, InterruptCause, renewalIntervalMs, renewalLate } from './job-timing';
import { JobsMetrics } from './jobs.metrics';
import { JobsShutdown } from './jobs-shutdown';
import { ReplicaId } from './replica-id';

/** A run stopped before finishing: its lease was lost or the gateway is shutting down. */
export class JobInterruptedError extends Error {
  constructor(readonly interruptedBy: InterruptCause) {
    super(interruptedBy === 'lease_lost' ? 'the job lease was lost' : 'the gateway is shutting down');
    this.name = 'JobInterruptedError';
  }
}

/** A job that runs on one replica at a time. */
export interface ExclusiveJob {
  /** The job's name: its metric label, and its lease's name unless `lease` is given. */
  name: string;
  lease?: string;
  ttlMs: number;
  /** Wait this long for another holder to release the lease; 0 (default) skips at once. */
  waitMs?: number;
  /** The abort reason handed to the work (default JobInterruptedError). */
  interrupt?: (cause: InterruptCause) => unknown;
  /** Called after each successful renewal while the work runs (e.g. to refresh a run record's heartbeat). */
  onRenewed?: () => Promise<void>;
}

export type JobRun<T> = { ran: true; value: T } | { ran: false };

const WAIT_POLL_MS = 250;

/**
 * The one way to run background work, recording every run in the jobs metrics.
 *
 * - exclusive: one replica at a time across replicas. Takes the job's lease (waiting up to waitMs),
 *   renews it every ttl/3 while the work runs, hands the work the Lease (its fencing token: writes
 *   carry it) and an AbortSignal aborted when the lease is lost or the gateway shuts down, then
 *   releases it. For work that must not run twice at once (sync, purge, monitor, consistency check).
 * - shared: every replica may run it at once; the work itself shares the rows (e.g. the webhook
 *   sender's FOR UPDATE SKIP LOCKED claims). For work split by row claims rather than by a lease.
 * Errors of the work are recorded as `failed` and rethrown.
 */
@Injectable()
export class JobRunner {
  constructor(
    private readonly leases: LeaseStore,
    private readonly replica: ReplicaId,
    private readonly shutdown: JobsShutdown,
    private readonly metrics: JobsMetrics,
  ) {}

  /** Runs `work` holding the job's lease; `ran: false` (outcome skipped) when another holder kept it. */
  async exclusive<T>(job: ExclusiveJob, work: (lease: Lease, signal: AbortSignal) => Promise<T>): Promise<JobRun<T>> {
    const lease = await this.acquire(job);
    if (!lease) {
      this.metrics.ended(job.name, 'skipped');
      return { ran: false };
    }
    const started = performance.now();
    const held = new HeldLease(this.leases, lease, job);
    const unregister = this.shutdown.register(() => held.interrupt('shutdown'));
    this.metrics.held(job.name, true);
    let threw = true;
    try {
      const value = await work(lease, held.signal);
      threw = false;
      return { ran: true, value };
    } finally {
      unregister();
      await held.release();
      this.metrics.held(job.name, false);
      this.metrics.ended(job.name, heldRunOutcome(threw, held.cause), (performance.now() - started) / 1000);
    }
  }

  /** Runs `work` on this replica whatever the others do, recording its outcome. */
  async shared<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await work();
      this.metrics.ended(name, 'succeeded', (performance.now() - started) / 1000);
      return value;
    } catch (error) {
      this.metrics.ended(name, 'failed', (performance.now() - started) / 1000);
      throw error;
    }
  }

  private async acquire(job: ExclusiveJob): Promise<Lease | null> {
    const name = job.lease ?? job.name;
    const deadline = performance.now() + (job.waitMs ?? 0);
    let lease = await this.leases.acquire(name, this.replica.value, job.ttlMs);
    while (!lease && performance.now() < deadline && !this.shutdown.shuttingDown) {
      await sleep(Math.min(WAIT_POLL_MS, Math.max(1, deadline - performance.now())));
      lease = await this.leases.acquire(name, this.replica.value, job.ttlMs);
    }
    return lease;
  }
}

/** A lease while its work runs: renewed every ttl/3, its signal aborted once it is lost. */
class HeldLease {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private renewedAt: number;
  private renewing: Promise<void> | null = null;
  cause: InterruptCause | null = null;

  constructor(
    private readonly leases: LeaseStore,
    private readonly lease: Lease,
    private readonly job: ExclusiveJob,
  ) {
    this.renewedAt = performance.now();
    this.timer = setInterval(() => {
      this.renewing ??= this.renew().finally(() => (this.renewing = null));
    }, renewalIntervalMs(job.ttlMs));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  interrupt(cause: InterruptCause): void {
    if (this.controller.signal.aborted) return;
    this.cause = cause;
    this.controller.abort(this.job.interrupt ? this.job.interrupt(cause) : new JobInterruptedError(cause));
  }

  /** Stops renewing (waiting for a renewal in flight) and releases the lease if still held. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    await this.leases.release(this.lease).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    let renewed: boolean;
    try {
      renewed = await this.leases.renew(this.lease, this.job.ttlMs);
    } catch {
      if (renewalLate(this.renewedAt, performance.now(), this.job.ttlMs)) this.interrupt('lease_lost');
      return;
    }
    if (!renewed) return this.interrupt('lease_lost');
    this.renewedAt = performance.now();
    await this.job.onRenewed?.().catch(() => undefined);
  }
}

import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { JOB_OUTCOMES, JobOutcome } from './job-timing';

/**
 * The one metric family of every background job (sync, audit purge, access monitor, mapping-cache
 * check, webhook sender), labelled `job_name`: Prometheus gives every scraped series the target's
 * own `job` label (the alerts and dashboard select on it), so a metric label `job` would be renamed
 * `exported_job` (or, with honorLabels, replace it).
 */
@Injectable()
export class JobsMetrics {
  private readonly runs: Counter<'job_name' | 'outcome'>;
  private readonly duration: Histogram<'job_name'>;
  private readonly leaseHeld: Gauge<'job_name'>;
  private readonly seen = new Set<string>();

  constructor(metrics: MetricsService) {
    this.runs = metrics.counter({
      name: 'esr_gateway_job_runs_total',
      help: 'Background job runs by job and outcome (succeeded, failed, skipped: another replica held the lease, lease_lost, interrupted: shutdown)',
      labelNames: ['job_name', 'outcome'],
    });
    this.duration = metrics.histogram({
      name: 'esr_gateway_job_duration_seconds',
      help: 'Duration of background job runs that did work (not skipped), by job',
      labelNames: ['job_name'],
      buckets: [0.01, 0.05, 0.25, 1, 5, 15, 60, 300, 900, 1800, 3600],
    });
    this.leaseHeld = metrics.gauge({
      name: 'esr_gateway_job_lease_held',
      help: "1 while this replica holds the job's lease, else 0 (exclusive jobs)",
      labelNames: ['job_name'],
    });
  }

  ended(job: string, outcome: JobOutcome, seconds?: number): void {
    this.declare(job);
    this.runs.inc({ job_name: job, outcome });
    if (seconds !== undefined) this.duration.observe({ job_name: job }, seconds);
  }

  /**
   * Every outcome of a job as a series from its first run on (at zero), so increase() in the
   * alerts sees the first failure or lost lease instead of a series that starts at 1.
   */
  private declare(job: string): void {
    if (this.seen.has(job)) return;
    this.seen.add(job);
    for (const outcome of JOB_OUTCOMES) this.runs.inc({ job_name: job, outcome }, 0);
  }

  held(job: string, held: boolean): void {
    this.leaseHeld.set({ job_name: job }, held ? 1 : 0);
  }
}

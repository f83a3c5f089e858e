import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { JobOutcome } from './job-timing';

/** The one metric family of every background job (sync, audit purge, access monitor, mapping-cache check, webhook sender). */
@Injectable()
export class JobsMetrics {
  private readonly runs: Counter<'job' | 'outcome'>;
  private readonly duration: Histogram<'job'>;
  private readonly leaseHeld: Gauge<'job'>;

  constructor(metrics: MetricsService) {
    this.runs = metrics.counter({
      name: 'esr_gateway_job_runs_total',
      help: 'Background job runs by job and outcome (succeeded, failed, skipped: another replica held the lease, lease_lost, interrupted: shutdown)',
      labelNames: ['job', 'outcome'],
    });
    this.duration = metrics.histogram({
      name: 'esr_gateway_job_duration_seconds',
      help: 'Duration of background job runs that did work (not skipped), by job',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.25, 1, 5, 15, 60, 300, 900, 1800, 3600],
    });
    this.leaseHeld = metrics.gauge({
      name: 'esr_gateway_job_lease_held',
      help: "1 while this replica holds the job's lease, else 0 (exclusive jobs)",
      labelNames: ['job'],
    });
  }

  ended(job: string, outcome: JobOutcome, seconds?: number): void {
    this.runs.inc({ job, outcome });
    if (seconds !== undefined) this.duration.observe({ job }, seconds);
  }

  held(job: string, held: boolean): void {
    this.leaseHeld.set({ job }, held ? 1 : 0);
  }
}

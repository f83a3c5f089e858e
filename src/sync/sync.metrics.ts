import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

/**
 * The role sync's Prometheus metrics, provided by SyncModule and injected where they are recorded.
 * Names are fixed: the Helm chart's alerts use them.
 */
@Injectable()
export class SyncMetrics {
  readonly runs: Counter<'vpd' | 'mode' | 'outcome'>;
  readonly duration: Histogram<'mode'>;
  readonly items: Counter<'vpd' | 'mode' | 'kind'>;
  readonly lastSuccess: Gauge<'vpd'>;
  readonly heldRemovals: Gauge<'vpd'>;
  readonly consecutiveFailures: Gauge<'vpd'>;
  readonly leaseHolder: Gauge;
  private refreshOnScrape: (() => Promise<void>) | undefined;

  constructor(metrics: MetricsService) {
    this.runs = metrics.counter({
      name: 'esr_gateway_sync_runs_total',
      help: 'Role sync runs by VPD, mode (full, incremental) and outcome (succeeded, held, failed; skipped with vpd="all")',
      labelNames: ['vpd', 'mode', 'outcome'],
    });
    this.duration = metrics.histogram({
      name: 'esr_gateway_sync_duration_seconds',
      help: 'Duration of the role sync of one VPD by mode',
      labelNames: ['mode'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    });
    this.items = metrics.counter({
      name: 'esr_gateway_sync_items_total',
      help: 'Role assignments added, updated or removed in the cache by the sync, by VPD and mode',
      labelNames: ['vpd', 'mode', 'kind'],
    });
    this.lastSuccess = metrics.gauge({
      name: 'esr_gateway_sync_last_success_timestamp_seconds',
      help: 'Unix time of the last successful sync (full or incremental) of a VPD',
      labelNames: ['vpd'],
      collect: () => this.refreshOnScrape?.(),
    });
    this.heldRemovals = metrics.gauge({
      name: 'esr_gateway_sync_held_removals',
      help: 'Removals held back by the removal guard, waiting for ops to approve or reject them, by VPD',
      labelNames: ['vpd'],
    });
    this.consecutiveFailures = metrics.gauge({
      name: 'esr_gateway_sync_consecutive_failures',
      help: 'Failed sync attempts of a VPD since its last success',
      labelNames: ['vpd'],
    });
    this.leaseHolder = metrics.gauge({
      name: 'esr_gateway_sync_lease_holder',
      help: '1 while this replica holds the sync lease (is the active syncer), else 0',
    });
  }

  /**
   * Sets what runs when Prometheus scrapes, to update the per-VPD gauges from the shared cache (so every
   * replica reports the same values, not only the one that ran the sync).
   */
  refreshGaugesOnScrape(refresh: () => Promise<void>): void {
    this.refreshOnScrape = refresh;
  }
}

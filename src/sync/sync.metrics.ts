import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** The role sync's Prometheus metrics. Names are fixed: the Helm chart's alerts use them. */
export class SyncMetrics {
  readonly runs: Counter<'vpd' | 'mode' | 'outcome'>;
  readonly duration: Histogram<'mode'>;
  readonly items: Counter<'vpd' | 'mode' | 'kind'>;
  readonly lastSuccess: Gauge<'vpd'>;
  readonly heldRemovals: Gauge<'vpd'>;
  readonly consecutiveFailures: Gauge<'vpd'>;
  readonly leaseHolder: Gauge;

  /**
   * @param refresh called when Prometheus scrapes, to update the per-VPD gauges from the shared cache
   * (so every replica reports the same values, not only the one that ran the sync).
   */
  constructor(metrics: MetricsService, refresh?: () => Promise<void>) {
    const registers = [metrics.registry];
    const r = metrics.registry;
    this.runs = once(
      r,
      'esr_gateway_sync_runs_total',
      () =>
        new Counter({
          name: 'esr_gateway_sync_runs_total',
          help: 'Role sync runs by VPD, mode (full, incremental) and outcome (succeeded, held, failed; skipped with vpd="all")',
          labelNames: ['vpd', 'mode', 'outcome'],
          registers,
        }),
    );
    this.duration = once(
      r,
      'esr_gateway_sync_duration_seconds',
      () =>
        new Histogram({
          name: 'esr_gateway_sync_duration_seconds',
          help: 'Duration of the role sync of one VPD by mode',
          labelNames: ['mode'],
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
          registers,
        }),
    );
    this.items = once(
      r,
      'esr_gateway_sync_items_total',
      () =>
        new Counter({
          name: 'esr_gateway_sync_items_total',
          help: 'Role assignments added, updated or removed in the cache by the sync, by VPD and mode',
          labelNames: ['vpd', 'mode', 'kind'],
          registers,
        }),
    );
    this.lastSuccess = once(
      r,
      'esr_gateway_sync_last_success_timestamp_seconds',
      () =>
        new Gauge({
          name: 'esr_gateway_sync_last_success_timestamp_seconds',
          help: 'Unix time of the last successful sync (full or incremental) of a VPD',
          labelNames: ['vpd'],
          registers,
          ...(refresh ? { collect: refresh } : {}),
        }),
    );
    this.heldRemovals = once(
      r,
      'esr_gateway_sync_held_removals',
      () =>
        new Gauge({
          name: 'esr_gateway_sync_held_removals',
          help: 'Removals held back by the removal guard, waiting for ops to approve or reject them, by VPD',
          labelNames: ['vpd'],
          registers,
        }),
    );
    this.consecutiveFailures = once(
      r,
      'esr_gateway_sync_consecutive_failures',
      () =>
        new Gauge({
          name: 'esr_gateway_sync_consecutive_failures',
          help: 'Failed sync attempts of a VPD since its last success',
          labelNames: ['vpd'],
          registers,
        }),
    );
    this.leaseHolder = once(
      r,
      'esr_gateway_sync_lease_holder',
      () =>
        new Gauge({
          name: 'esr_gateway_sync_lease_holder',
          help: '1 while this replica holds the sync lease (is the active syncer), else 0',
          registers,
        }),
    );
  }
}

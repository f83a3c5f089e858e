import { Injectable } from '@nestjs/common';
import type { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

export type RepairReason = 'drift' | 'stale_hold';

/** Prometheus metrics of the mapping mirror: how reads are served and what the consistency check repairs. */
@Injectable()
export class MappingCacheMetrics {
  private readonly lookups: Counter<'result'>;
  private readonly repairs: Counter<'reason'>;
  private readonly checks: Counter<'outcome'>;
  private readonly lastCheck: Gauge;
  private readonly checked: Gauge;

  constructor(metrics: MetricsService) {
    this.lookups = metrics.counter({
      name: 'esr_gateway_mapping_cache_lookups_total',
      help: "Users looked up in the mapping mirror by access resolution: 'hit' (answered from the cache) or 'miss' (read from the database)",
      labelNames: ['result'],
    });
    this.repairs = metrics.counter({
      name: 'esr_gateway_mapping_cache_repairs_total',
      help: "Entries the consistency check repaired: 'drift' (cached mappings differed from the database) or 'stale_hold' (a writer never released)",
      labelNames: ['reason'],
    });
    this.checks = metrics.counter({
      name: 'esr_gateway_mapping_cache_checks_total',
      help: 'Runs of the mapping mirror consistency check by outcome (succeeded, failed, skipped: another replica runs it)',
      labelNames: ['outcome'],
    });
    this.lastCheck = metrics.gauge({
      name: 'esr_gateway_mapping_cache_check_last_success_timestamp_seconds',
      help: 'When the mapping mirror consistency check last completed (Unix seconds)',
    });
    this.checked = metrics.gauge({
      name: 'esr_gateway_mapping_cache_entries_checked',
      help: 'Cached users the last consistency check compared with the database',
    });
    // Present from the start, so dashboards and alerts see zeros rather than no series.
    for (const result of ['hit', 'miss']) this.lookups.inc({ result }, 0);
    for (const reason of ['drift', 'stale_hold']) this.repairs.inc({ reason }, 0);
  }

  reads(hits: number, misses: number): void {
    if (hits > 0) this.lookups.inc({ result: 'hit' }, hits);
    if (misses > 0) this.lookups.inc({ result: 'miss' }, misses);
  }

  repaired(reason: RepairReason, count: number): void {
    if (count > 0) this.repairs.inc({ reason }, count);
  }

  checkEnded(outcome: 'succeeded' | 'failed' | 'skipped', entries = 0, atMs = 0): void {
    this.checks.inc({ outcome });
    if (outcome === 'succeeded') {
      this.lastCheck.set(atMs / 1000);
      this.checked.set(entries);
    }
  }
}

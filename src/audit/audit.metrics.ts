import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

/** The audit trail's Prometheus metrics. */
@Injectable()
export class AuditMetrics {
  private readonly purgedTotal: Counter;

  constructor(metrics: MetricsService) {
    this.purgedTotal = metrics.counter({
      name: 'esr_gateway_audit_events_purged_total',
      help: 'Audit events deleted by the AUDIT_RETENTION purge',
    });
  }

  purged(count: number): void {
    this.purgedTotal.inc(count);
  }
}

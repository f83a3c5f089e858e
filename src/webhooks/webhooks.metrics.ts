import { Injectable } from '@nestjs/common';
import type { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import type { WebhookBacklog } from './webhook-outbox.service';

export type AttemptOutcome = 'delivered' | 'retry' | 'dead_lettered';

/** The webhooks' Prometheus metrics: delivery attempts, and the outbox backlog (read on scrape). */
@Injectable()
export class WebhooksMetrics {
  private readonly attempts: Counter<'outcome'>;
  private readonly backlog: Gauge<'measure'>;
  private refreshOnScrape: (() => Promise<void>) | undefined;

  constructor(metrics: MetricsService) {
    this.attempts = metrics.counter({
      name: 'esr_gateway_webhook_attempts_total',
      help: 'Access-change webhook delivery attempts by outcome (delivered, retry, dead_lettered)',
      labelNames: ['outcome'],
    });
    this.backlog = metrics.gauge({
      name: 'esr_gateway_webhook_backlog',
      help: 'Access-change events by outbox status (pending, failed = dead-lettered), and the oldest pending age in seconds',
      labelNames: ['measure'],
      collect: () => this.refreshOnScrape?.(),
    });
  }

  attempted(outcome: AttemptOutcome): void {
    this.attempts.inc({ outcome });
  }

  /** Sets what runs when Prometheus scrapes, to read the backlog from the database (see backlogRead). */
  refreshBacklogOnScrape(refresh: () => Promise<void>): void {
    this.refreshOnScrape = refresh;
  }

  backlogRead(backlog: WebhookBacklog): void {
    this.backlog.set({ measure: 'pending' }, backlog.pending);
    this.backlog.set({ measure: 'failed' }, backlog.failed);
    this.backlog.set({ measure: 'oldest_pending_age_seconds' }, backlog.oldestPendingAgeSeconds ?? 0);
  }
}

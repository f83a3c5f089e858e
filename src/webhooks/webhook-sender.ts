import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { inSpan } from '../common/tracing/tracer';
import { WebhookSettings } from '../config/settings/webhook.settings';
import { JobRunner } from '../jobs/job-runner';
import { ReplicaId } from '../jobs/replica-id';
import { WebhookDelivery } from '../database/webhook-delivery.entity';
import { WebhookClient } from './webhook-client';
import { WebhookOutboxService } from './webhook-outbox.service';
import { WebhooksMetrics } from './webhooks.metrics';

export const SENDER_JOB = 'webhook-sender';
/** Events claimed per pass, and sent at once. */
export const SEND_BATCH = 20;
const SEND_CONCURRENCY = 4;

export interface SendOutcome {
  sent: number;
  delivered: number;
  retrying: number;
  deadLettered: number;
}

/**
 * Delivers the outbox to WEBHOOK_URL: claims due events (WebhookOutboxService.claim: one per user
 * at a time, in order, never the same row on two replicas), POSTs each signed, and records the
 * outcome (delivered, retried with exponential backoff, or dead-lettered at WEBHOOK_MAX_ATTEMPTS).
 * Every replica may run it: a shared job (JobRunner.shared), the row claims share the work. Never throws.
 */
@Injectable()
export class WebhookSender {
  private readonly logger = new Logger(WebhookSender.name);
  private running: Promise<SendOutcome> | null = null;

  constructor(
    private readonly outbox: WebhookOutboxService,
    private readonly client: WebhookClient,
    private readonly settings: WebhookSettings,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    private readonly replica: ReplicaId,
    private readonly metrics: WebhooksMetrics,
  ) {}

  /** One pass (a second call while one runs joins it). Claims and sends until nothing is due, at most `maxBatches` batches. */
  sendDue(maxBatches = 10): Promise<SendOutcome> {
    this.running ??= this.send(maxBatches).finally(() => (this.running = null));
    return this.running;
  }

  private async send(maxBatches: number): Promise<SendOutcome> {
    const outcome: SendOutcome = { sent: 0, delivered: 0, retrying: 0, deadLettered: 0 };
    const webhook = this.settings.target;
    if (!webhook) return outcome;
    try {
      await this.jobs.shared(SENDER_JOB, async () => {
        for (let batch = 0; batch < maxBatches; batch++) {
          const rows = await this.outbox.claim(this.replica.value, SEND_BATCH);
          if (rows.length === 0) break;
          const queue = [...rows];
          const worker = async () => {
            for (let row = queue.shift(); row; row = queue.shift()) await this.deliver(webhook, row, outcome);
          };
          await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, rows.length) }, worker));
        }
      });
    } catch (error) {
      this.logger.warn({ msg: 'webhook sender pass failed', error: (error as Error).message });
    }
    return outcome;
  }

  /** POSTs one claimed event and records the outcome of the attempt, as one span (the receiver gets its traceparent). */
  private deliver(webhook: NonNullable<WebhookSettings['target']>, row: WebhookDelivery, outcome: SendOutcome): Promise<void> {
    const attributes = { 'webhook.event_id': row.eventId, 'webhook.attempt': row.attempts + 1 };
    return inSpan('webhook delivery', attributes, () => this.deliverUntraced(webhook, row, outcome));
  }

  private async deliverUntraced(
    webhook: NonNullable<WebhookSettings['target']>,
    row: WebhookDelivery,
    outcome: SendOutcome,
  ): Promise<void> {
    const timestamp = Math.floor(this.clock.nowMs() / 1000);
    const attempt = await this.client.post(webhook.url, webhook.key.bytes, row.eventId, timestamp, row.payload);
    outcome.sent++;
    if (attempt.ok) {
      await this.outbox.delivered(row, attempt.status);
      outcome.delivered++;
      this.metrics.attempted('delivered');
      return;
    }
    const status = await this.outbox.failed(row, attempt.status, attempt.error, this.settings.maxAttempts);
    if (status === 'failed') {
      outcome.deadLettered++;
      this.metrics.attempted('dead_lettered');
      this.logger.warn({ msg: 'webhook delivery dead-lettered', eventId: row.eventId, attempts: row.attempts + 1, error: attempt.error });
    } else {
      outcome.retrying++;
      this.metrics.attempted('retry');
    }
  }
}

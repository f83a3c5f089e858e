import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SyncSettings } from '../config/settings/sync.settings';
import { WebhookSettings } from '../config/settings/webhook.settings';
import { describeWebhookSecretForm } from '../config/webhook-secret';
import { JobScheduler } from '../jobs/job-scheduler';
import { AccessMonitor } from '../access-events/access-monitor.service';
import { WebhookOutboxService } from './webhook-outbox.service';
import { SENDER_JOB, WebhookSender } from './webhook-sender';
import { WebhooksMetrics } from './webhooks.metrics';

export const MONITOR_JOB = 'access-monitor';
/** The monitor looks for role data changes and due users this often (an indexed read when nothing is due). */
export const MONITOR_INTERVAL_MS = 15_000;
/** The sender looks for due events this often. */
export const SENDER_INTERVAL_MS = 2_000;
/** Backlog gauges are read from the database at most this often (on scrape). */
const GAUGE_REFRESH_MS = 5_000;

/**
 * Thin timers (JobScheduler), only when SYNC_ENABLED (the switch for a replica's scheduled work): the access
 * monitor every MONITOR_INTERVAL_MS (it verifies mappings even with webhooks off) and, with
 * WEBHOOK_URL set, the sender every SENDER_INTERVAL_MS. A tick while the last one runs is skipped.
 * Also the backlog gauges (pending, dead-lettered, oldest pending age), read on scrape.
 */
@Injectable()
export class WebhooksScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhooksScheduler.name);
  private backlogReadAt = 0;

  constructor(
    private readonly schedule: JobScheduler,
    private readonly monitor: AccessMonitor,
    private readonly sender: WebhookSender,
    private readonly outbox: WebhookOutboxService,
    private readonly sync: SyncSettings,
    private readonly webhooks: WebhookSettings,
    private readonly metrics: WebhooksMetrics,
  ) {
    metrics.refreshBacklogOnScrape(() => this.refreshBacklog());
  }

  onApplicationBootstrap(): void {
    // Which form of WEBHOOK_SECRET signs the events (never the secret): the raw form is deprecated.
    const form = this.webhooks.target?.key.form;
    if (form === 'standard') this.logger.log(describeWebhookSecretForm(form));
    else if (form === 'raw') this.logger.warn(describeWebhookSecretForm(form));
    if (!this.sync.enabled) return;
    this.schedule.every(MONITOR_JOB, MONITOR_INTERVAL_MS, () => this.tickMonitor());
    if (this.webhooks.enabled) {
      this.schedule.every(SENDER_JOB, SENDER_INTERVAL_MS, () => this.sender.sendDue());
      this.logger.log(`access-change events on: sender every ${SENDER_INTERVAL_MS} ms, monitor every ${MONITOR_INTERVAL_MS} ms`);
    } else {
      this.logger.log('WEBHOOK_URL is unset: no access-change events (mapping checks still run in the background)');
    }
  }

  private async tickMonitor(): Promise<void> {
    await this.monitor.runOnce();
    if (this.webhooks.enabled) await this.sender.sendDue();
  }

  private async refreshBacklog(): Promise<void> {
    if (!this.webhooks.enabled || Date.now() - this.backlogReadAt < GAUGE_REFRESH_MS) return;
    this.backlogReadAt = Date.now();
    try {
      this.metrics.backlogRead(await this.outbox.backlog());
    } catch {
      // The database is down: readiness reports it; the gauges keep their last values.
    }
  }
}

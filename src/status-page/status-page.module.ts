import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../common/auth/auth.module';
import { Clock } from '../common/clock/clock';
import { WebhookSettings } from '../config/settings/webhook.settings';
import { EsrClient } from '../esr/esr.client';
import { EsrModule } from '../esr/esr.module';
import { SyncStatusService } from '../sync/sync-status.service';
import { SyncModule } from '../sync/sync.module';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { RedisConnection } from '../role-store/redis-connection';
import { RoleStoreModule } from '../role-store/role-store.module';
import { MemoryStatusSessionStore, RedisStatusSessionStore, StatusSessionStore } from './status-session-store';
import { StatusPageController } from './status-page.controller';
import { StatusPageService } from './status-page.service';
import { ESR_BREAKER_SOURCE, SYNC_STATUS_SOURCE, WEBHOOK_BACKLOG_SOURCE, WebhookBacklogSource } from './status-page.sources';

/** The outbox's backlog as the page shows it; null (webhooks off) when WEBHOOK_URL is unset. */
function webhookBacklog(outbox: WebhookOutboxService, webhooks: WebhookSettings, clock: Clock): WebhookBacklogSource {
  return {
    backlog: async () => {
      if (!webhooks.enabled) return null;
      const { pending, failed, oldestPendingAgeSeconds: age } = await outbox.backlog();
      return { pending, failed, oldestPendingAt: age === null ? null : new Date(clock.nowMs() - age * 1000).toISOString() };
    },
  };
}

/**
 * The read-only ops status page at /status (issue 15). Reads the sync status through
 * SYNC_STATUS_SOURCE (SyncStatusService.status, the ops API's answer), the breaker through
 * ESR_BREAKER_SOURCE (EsrClient) and the access-change outbox through WEBHOOK_BACKLOG_SOURCE.
 * Sign-in matches the key in AuthModule's ApiKeyRing; failed sign-ins are throttled and audited by
 * AuditModule's AuthFailures; sessions are held in Redis (RoleStoreModule's connection) or in-process. The sign-in form's urlencoded body is parsed by the Fastify adapter's own parser.
 * Needs the global ConfigModule and CommonModule (Clock).
 */
@Module({
  imports: [AuthModule, AuditModule, RoleStoreModule, SyncModule, EsrModule, WebhooksModule],
  controllers: [StatusPageController],
  providers: [
    StatusPageService,
    {
      provide: StatusSessionStore,
      inject: [RedisConnection, Clock],
      useFactory: (redis: RedisConnection | null, clock: Clock) =>
        redis ? new RedisStatusSessionStore(redis) : new MemoryStatusSessionStore(clock),
    },
    { provide: SYNC_STATUS_SOURCE, useExisting: SyncStatusService },
    { provide: ESR_BREAKER_SOURCE, useExisting: EsrClient },
    { provide: WEBHOOK_BACKLOG_SOURCE, inject: [WebhookOutboxService, WebhookSettings, Clock], useFactory: webhookBacklog },
  ],
})
export class StatusPageModule {}

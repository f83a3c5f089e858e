import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessEventsModule } from '../access-events/access-events.module';
import { AccessVpdMark, AccessWatch } from '../access-events/access-watch.entity';
import { WebhookDelivery } from '../access-events/webhook-delivery.entity';
import { JobsModule } from '../jobs/jobs.module';
import { MappingsModule } from '../mappings/mappings.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { AccessMonitor } from './access-monitor.service';
import { WebhookClient } from './webhook.client';
import { WebhookOutboxService } from './webhook-outbox.service';
import { WebhookSender } from './webhook.sender';
import { WebhooksController } from './webhooks.controller';
import { WebhooksMetrics } from './webhooks.metrics';
import { WebhooksScheduler } from './webhooks.scheduler';

/**
 * Access-change events, delivery side: the access monitor (role data and time changes, background
 * mapping checks), the sender (outbox -> WEBHOOK_URL), the ops API under /v1/webhooks and the
 * backlog metric. Exports WebhookOutboxService (backlog() for the status page). Runs and schedules its
 * jobs through JobsModule; config, clock and metrics come from the global modules.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookDelivery, AccessWatch, AccessVpdMark]),
    AccessEventsModule,
    JobsModule,
    MappingsModule,
    RoleStoreModule,
  ],
  controllers: [WebhooksController],
  providers: [AccessMonitor, WebhookClient, WebhookOutboxService, WebhookSender, WebhooksScheduler, WebhooksMetrics],
  exports: [WebhookOutboxService, AccessMonitor, WebhookSender],
})
export class WebhooksModule {}

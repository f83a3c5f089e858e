import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessMonitorModule } from '../access-events/access-monitor.module';
import { WebhookDelivery } from '../database/webhook-delivery.entity';
import { JobsModule } from '../jobs/jobs.module';
import { MappingsModule } from '../mappings/mappings.module';
import { WebhookClient } from './webhook-client';
import { WebhookOutboxService } from './webhook-outbox.service';
import { WebhookSender } from './webhook-sender';
import { WebhooksController } from './webhooks.controller';
import { WebhooksMetrics } from './webhooks.metrics';
import { WebhooksScheduler } from './webhooks-scheduler';

/**
 * Access-change events, delivery side: the sender (outbox -> WEBHOOK_URL, signed), the ops API under
 * /v1/webhooks and the backlog metric. The events are written in src/access-events/ (the recorder and
 * the access monitor, whose ticks WebhooksScheduler times with the sender's; its mappings come from
 * MappingsModule). Exports WebhookOutboxService (backlog() for the status page). Runs and schedules its
 * jobs through JobsModule; config, clock and metrics come from the global modules.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookDelivery]), AccessMonitorModule.withSources(MappingsModule), JobsModule],
  controllers: [WebhooksController],
  providers: [WebhookClient, WebhookOutboxService, WebhookSender, WebhooksScheduler, WebhooksMetrics],
  exports: [WebhookOutboxService, WebhookSender],
})
export class WebhooksModule {}

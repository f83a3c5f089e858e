import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessResolverModule } from '../access-policy/access-resolver.module';
import { AccessChangeRecorder } from './access-change-recorder';
import { AccessVpdMark, AccessWatch } from '../database/access-watch.entity';
import { WebhookDelivery } from '../database/webhook-delivery.entity';

/**
 * Access-change events, write side: AccessChangeRecorder puts events into the outbox in the
 * caller's transaction. Imported by MappingsModule (mapping writes) and WebhooksModule (monitor,
 * sender). Depends on no mapping service, so there is no import cycle.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookDelivery, AccessWatch, AccessVpdMark]), AccessResolverModule],
  providers: [AccessChangeRecorder],
  exports: [AccessChangeRecorder],
})
export class AccessEventsModule {}

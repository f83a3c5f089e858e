import { Module } from '@nestjs/common';
import { MappingsModule } from '../mappings/mappings.module';
import { SyncModule } from '../sync/sync.module';
import { AccessEventsModule } from '../access-events/access-events.module';
import { AccessResolverModule } from './access-resolver';
import { AccessController } from './access.controller';
import { AccessService } from './access.service';

/**
 * Access resolution for "Search ESR". Exports AccessService: resolve(portalUserId),
 * resolveMany(portalUserIds), authorise(portalUserId, vpd) and refresh(portalUserId); see
 * access.types.ts for UserAccess and AccessDecision.
 */
@Module({
  imports: [MappingsModule, SyncModule, AccessResolverModule, AccessEventsModule],
  controllers: [AccessController],
  providers: [AccessService],
  exports: [AccessService],
})
export class AccessModule {}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MappingsModule } from '../mappings/mappings.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { SyncModule } from '../sync/sync.module';
import { AccessRefreshService } from './access-refresh.service';
import { AccessEventsModule } from '../access-events/access-events.module';
import { AccessResolverModule } from './access-resolver';
import { AccessController } from './access.controller';
import { AccessService } from './access.service';
import { MappingCacheCheck } from '../mapping-cache/mapping-cache.check';
import { MappingCacheMetrics } from '../mapping-cache/mapping-cache.metrics';
import { MappingCacheModule } from '../mapping-cache/mapping-cache.module';

/**
 * Access resolution for "Search ESR". Exports AccessService: resolve(portalUserId),
 * resolveMany(portalUserIds), authorise(portalUserId, vpd) and refresh(portalUserId); see
 * access.types.ts for UserAccess and AccessDecision. Also runs the periodic consistency check of the
 * mapping mirror (src/mapping-cache/) and its metrics.
 */
@Module({
  imports: [
    AuditModule,
    MappingsModule,
    MappingCacheModule,
    RoleStoreModule,
    RateLimitsModule,
    SyncModule,
    AccessResolverModule,
    AccessEventsModule,
  ],
  controllers: [AccessController],
  providers: [AccessService, AccessRefreshService, MappingCacheMetrics, MappingCacheCheck],
  exports: [AccessService],
})
export class AccessModule {}

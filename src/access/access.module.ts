import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MappingsModule } from '../mappings/mappings.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { SyncModule } from '../sync/sync.module';
import { AccessRefreshService } from './access-refresh.service';
import { AccessEventsModule } from '../access-events/access-events.module';
import { AccessResolverModule } from '../access-policy/access-resolver.module';
import { AccessController } from './access.controller';
import { AccessService } from './access.service';
import { MappingCacheModule } from '../mapping-cache/mapping-cache.module';

/**
 * Access resolution for "Search ESR". Exports AccessService: resolve(portalUserId),
 * resolveMany(portalUserIds), authorise(portalUserId, vpd) and refresh(portalUserId); see
 * src/domain/access.types.ts for UserAccess and AccessDecision. Reads mappings through the mapping mirror
 * (src/mapping-cache/; its consistency check is MappingCacheCheckModule's).
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
  providers: [AccessService, AccessRefreshService],
  exports: [AccessService],
})
export class AccessModule {}

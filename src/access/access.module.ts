import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MappingsModule } from '../mappings/mappings.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { SyncModule } from '../sync/sync.module';
import { AccessRefreshService } from './access-refresh.service';
import { AccessController } from './access.controller';
import { AccessService } from './access.service';

/**
 * Access resolution for "Search ESR". Exports AccessService: resolve(portalUserId),
 * resolveMany(portalUserIds), authorise(portalUserId, vpd) and refresh(portalUserId); see
 * access.types.ts for UserAccess and AccessDecision.
 */
@Module({
  imports: [AuditModule, MappingsModule, RoleStoreModule, SyncModule],
  controllers: [AccessController],
  providers: [AccessService, AccessRefreshService],
  exports: [AccessService],
})
export class AccessModule {}

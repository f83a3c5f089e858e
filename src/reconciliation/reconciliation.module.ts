import { Module } from '@nestjs/common';
import { AccessResolverModule } from '../access-policy/access-resolver.module';
import { AuditModule } from '../audit/audit.module';
import { MappingsModule } from '../mappings/mappings.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationService } from './reconciliation.service';

/** GET /v1/vpds/{vpd}/reconciliation (portal or ops scope). Needs the global config, clock and cache. */
@Module({
  imports: [MappingsModule, AccessResolverModule, RoleStoreModule, AuditModule],
  controllers: [ReconciliationController],
  providers: [ReconciliationService],
})
export class ReconciliationModule {}

import { Module } from '@nestjs/common';
import { AccessResolverModule } from '../access-policy/access-resolver.module';
import { AuditModule } from '../audit/audit.module';
import { MappingsModule } from '../mappings/mappings.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { AccessReviewController } from './access-review.controller';
import { AccessReviewService } from './access-review.service';

/** GET /v1/vpds/{vpd}/access-review (ops scope). Needs the global config, clock and cache. */
@Module({
  imports: [MappingsModule, AccessResolverModule, RoleStoreModule, AuditModule],
  controllers: [AccessReviewController],
  providers: [AccessReviewService],
})
export class AccessReviewModule {}

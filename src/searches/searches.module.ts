import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { EsrModule } from '../esr/esr.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { SearchRateLimiter } from './search-rate-limiter';
import { SearchesController } from './searches.controller';
import { SearchesService } from './searches.service';

/**
 * Credential searches ("Search ESR"): POST /v1/credential-searches. Authorises through AccessService,
 * searches through EsrClient, audits through AuditService and rate-limits per acting user in the
 * shared RateCounter.
 */
@Module({
  imports: [AccessModule, AuditModule, EsrModule, RoleStoreModule],
  controllers: [SearchesController],
  providers: [SearchesService, SearchRateLimiter],
})
export class SearchesModule {}

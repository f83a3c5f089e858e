import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { EsrModule } from '../esr/esr.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { SearchRateLimiter } from './search-rate-limiter';
import { SearchesController } from './searches.controller';
import { SearchesMetrics } from './searches.metrics';
import { SearchesService } from './searches.service';

/**
 * Credential searches ("Search ESR"): POST /v1/credential-searches. Authorises through AccessService,
 * searches through EsrClient, audits through AuditService and rate-limits per acting user and API key
 * through the CallerRateLimiter.
 */
@Module({
  imports: [AccessModule, AuditModule, EsrModule, RateLimitsModule],
  controllers: [SearchesController],
  providers: [SearchesService, SearchRateLimiter, SearchesMetrics],
})
export class SearchesModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { MappingsModule } from './mappings/mappings.module';
import { MappingCacheCheckModule } from './mappings/mapping-cache-check.module';
import { AccessModule } from './access/access.module';
import { ApiKeyGuard } from './common/auth/api-key.guard';
import { VpdScopeGuard } from './common/auth/vpd-scope.guard';
import { AuthModule } from './common/auth/auth.module';
import { CommonModule } from './common/common.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { RequestBudgetGuard } from './rate-limits/request-budget.guard';
import { LoggingModule } from './common/logging/logging.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EsrEndpoint } from './esr/esr.endpoint';
import { EsrModule } from './esr/esr.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { RoleStoreModule } from './role-store/role-store.module';
import { SearchesModule } from './searches/searches.module';
import { StatusPageModule } from './status-page/status-page.module';
import { SyncModule } from './sync/sync.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { AccessReviewModule } from './access-review/access-review.module';

export type Environment = Record<string, string | undefined>;

/**
 * The gateway, from what bootstrap decided (createApp in app.factory.ts): the parsed configuration and
 * the ESR endpoint. Without an endpoint, ESR_BASE_URL must be set (tests; preview mode needs neither).
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, esr?: EsrEndpoint): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        EsrModule.forRoot(esr),
        CommonModule,
        AuthModule,
        LoggingModule,
        MetricsModule,
        DatabaseModule,
        RoleStoreModule,
        HealthModule,
        AuditModule,
        MappingsModule,
        AccessModule,
        MappingCacheCheckModule,
        SearchesModule,
        SyncModule,
        WebhooksModule,
        ReconciliationModule,
        AccessReviewModule,
        StatusPageModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: VpdScopeGuard },
        // Also provided as itself, so the one instance can be reached (its flush) as well as run as a guard.
        RequestBudgetGuard,
        { provide: APP_GUARD, useExisting: RequestBudgetGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}

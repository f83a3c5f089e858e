import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CacheModule } from './cache/cache.module';
import { AuditModule } from './audit/audit.module';
import { MappingsModule } from './mappings/mappings.module';
import { AccessModule } from './access/access.module';
import { ApiKeyGuard } from './common/auth/api-key.guard';
import { CommonModule } from './common/common.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { LoggingModule } from './common/logging/logging.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { SearchesModule } from './searches/searches.module';
import { StatusPageModule } from './status-page/status-page.module';
import { SyncModule } from './sync/sync.module';

export type Environment = Record<string, string | undefined>;

/** The gateway. `forRoot(env)` takes the environment explicitly (tests); main passes process.env. */
@Module({})
export class AppModule {
  static forRoot(env: Environment = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(env),
        CommonModule,
        LoggingModule,
        MetricsModule,
        DatabaseModule,
        CacheModule,
        HealthModule,
        AuditModule,
        MappingsModule,
        AccessModule,
        SearchesModule,
        SyncModule,
        StatusPageModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}

import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../common/auth/auth.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { HealthController } from './health.controller';
import { LifecycleService } from './lifecycle.service';
import { ReadinessViewer } from './readiness-viewer';

/**
 * GET /health/live and /health/ready (the checks' errors only for an ops key: ReadinessViewer, with the
 * throttle of failed keys from AuditModule); LifecycleService turns readiness 503 once shutdown begins (app.factory, main).
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), RoleStoreModule, AuthModule, AuditModule],
  controllers: [HealthController],
  providers: [LifecycleService, ReadinessViewer],
  exports: [LifecycleService],
})
export class HealthModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobsModule } from '../jobs/jobs.module';
import { AuthFailures } from '../common/auth/auth-failures';
import { RoleStoreModule } from '../role-store/role-store.module';
import { AuthFailureRecorder } from './auth-failure-recorder';
import { AuditEvent } from '../database/audit-event.entity';
import { AuditController } from './audit.controller';
import { AuditMetrics } from './audit.metrics';
import { AuditPurgeService } from './audit-purge.service';
import { AuditService } from './audit.service';
import { PersonalDataReads } from './personal-data-reads';

/**
 * The audit trail: AuditService (record, query) for the modules that write events, GET /v1/audit-events,
 * the daily purge (a job), and the throttle of failed keys and sign-ins (AuthFailures: AuthFailureRecorder,
 * which writes AUTH_FAILED).
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent]), JobsModule, RoleStoreModule],
  controllers: [AuditController],
  providers: [
    AuditService,
    AuditPurgeService,
    AuditMetrics,
    PersonalDataReads,
    AuthFailureRecorder,
    { provide: AuthFailures, useExisting: AuthFailureRecorder },
  ],
  exports: [AuditService, AuditPurgeService, PersonalDataReads, AuthFailures],
})
export class AuditModule {}

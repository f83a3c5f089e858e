import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobsModule } from '../jobs/jobs.module';
import { AuditEvent } from '../database/audit-event.entity';
import { AuditController } from './audit.controller';
import { AuditMetrics } from './audit.metrics';
import { AuditPurgeService } from './audit-purge.service';
import { AuditService } from './audit.service';
import { PersonalDataReads } from './personal-data-reads';

/** The audit trail: AuditService (record, query) for the modules that write events, GET /v1/audit-events, and the daily purge (a job). */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent]), JobsModule],
  controllers: [AuditController],
  providers: [AuditService, AuditPurgeService, AuditMetrics, PersonalDataReads],
  exports: [AuditService, AuditPurgeService, PersonalDataReads],
})
export class AuditModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoleStoreModule } from '../role-store/role-store.module';
import { AuditEvent } from './audit-event.entity';
import { AuditController } from './audit.controller';
import { AuditPurgeService } from './audit-purge.service';
import { AuditService } from './audit.service';

/** The audit trail: AuditService (record, query) for the modules that write events, and GET /v1/audit-events. */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent]), RoleStoreModule],
  controllers: [AuditController],
  providers: [AuditService, AuditPurgeService],
  exports: [AuditService, AuditPurgeService],
})
export class AuditModule {}

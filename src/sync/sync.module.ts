import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from '../audit/audit.module';
import { EsrModule } from '../esr/esr.module';
import { RoleSyncService } from './role-sync.service';
import { SyncController } from './sync.controller';
import { SyncScheduler } from './sync.scheduler';

/**
 * The role sync: keeps the role cache per VPD, the ops API under /v1/sync, and the scheduled runs.
 * Exports RoleSyncService (refreshRecords for access).
 */
@Module({
  imports: [ScheduleModule.forRoot(), AuditModule, EsrModule],
  controllers: [SyncController],
  providers: [RoleSyncService, SyncScheduler],
  exports: [RoleSyncService],
})
export class SyncModule {}

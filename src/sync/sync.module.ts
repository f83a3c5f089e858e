import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from '../audit/audit.module';
import { EsrModule } from '../esr/esr.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { DryRunService } from './dry-run';
import { EsrRecordRefresher } from './esr-record-refresher';
import { FullSync } from './full-sync';
import { HeldRemovalsService } from './held-removals';
import { IncrementalSync } from './incremental-sync';
import { RecordRefresher } from './record-refresher';
import { RunCoordinator } from './run-coordinator';
import { ServedVpds } from './served-vpds';
import { SyncController } from './sync.controller';
import { SyncLease } from './sync-lease';
import { SyncMetrics } from './sync.metrics';
import { SyncScheduler } from './sync.scheduler';
import { SyncShutdown } from './sync-shutdown';
import { SyncStatusService } from './sync-status.service';
import { VpdSync } from './vpd-sync';

/** The sync's jobs, one class each (the scheduler and controller come on top). */
export const SYNC_PROVIDERS = [
  SyncShutdown,
  SyncMetrics,
  SyncStatusService,
  SyncLease,
  ServedVpds,
  FullSync,
  IncrementalSync,
  VpdSync,
  RunCoordinator,
  DryRunService,
  HeldRemovalsService,
  { provide: RecordRefresher, useClass: EsrRecordRefresher },
];

/**
 * The role sync: keeps the role store per VPD, the ops API under /v1/sync, and the scheduled runs.
 * Exports RecordRefresher (for access) and SyncStatusService (for the status page). Config, clock and metrics come from the global modules.
 */
@Module({
  imports: [ScheduleModule.forRoot(), AuditModule, EsrModule, RoleStoreModule],
  controllers: [SyncController],
  providers: [...SYNC_PROVIDERS, SyncScheduler],
  exports: [RecordRefresher, SyncStatusService],
})
export class SyncModule {}

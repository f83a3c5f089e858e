import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EsrModule } from '../esr/esr.module';
import { JobsModule } from '../jobs/jobs.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { AbandonedRuns, AbandonedRunsCheck } from './abandoned-runs';
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
import { SyncScheduler } from './sync-scheduler';
import { SyncStatusService } from './sync-status.service';
import { VpdSync } from './vpd-sync';

/** The sync's jobs, one class each (the scheduler and controller come on top; JOB_PROVIDERS from src/jobs beside them). */
export const SYNC_PROVIDERS = [
  SyncMetrics,
  SyncStatusService,
  SyncLease,
  ServedVpds,
  FullSync,
  IncrementalSync,
  VpdSync,
  RunCoordinator,
  AbandonedRuns,
  DryRunService,
  HeldRemovalsService,
  { provide: RecordRefresher, useClass: EsrRecordRefresher },
];

/**
 * The role sync: keeps the role store per VPD, the ops API under /v1/sync, and the scheduled runs.
 * Exports RecordRefresher (for access) and SyncStatusService (for the status page). Config, clock and metrics come from the global modules.
 */
@Module({
  imports: [AuditModule, EsrModule, JobsModule, RoleStoreModule],
  controllers: [SyncController],
  providers: [...SYNC_PROVIDERS, SyncScheduler, AbandonedRunsCheck],
  exports: [RecordRefresher, SyncStatusService],
})
export class SyncModule {}

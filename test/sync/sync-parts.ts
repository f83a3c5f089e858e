/**
 * The sync's job classes wired by Nest around given collaborators (ESR client, stores, settings...),
 * without the rest of the application: for unit tests and the sync benchmark.
 */
import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuditService } from '../../src/audit/audit.service';
import { Clock } from '../../src/common/clock/clock';
import { Settings, settingsProviders } from '../../src/config/settings/settings';
import { EsrClient } from '../../src/esr/esr.client';
import { JOB_PROVIDERS } from '../../src/jobs/jobs.module';
import { JobsShutdown } from '../../src/jobs/jobs-shutdown';
import { MetricsService } from '../../src/metrics/metrics.service';
import { LeaseStore } from '../../src/role-store/lease-store';
import { RoleChanges } from '../../src/role-store/role-changes';
import { RoleGenerations } from '../../src/role-store/role-generations';
import { RoleReads } from '../../src/role-store/role-reads';
import { RoleRuns } from '../../src/role-store/role-runs';
import type { Stores } from '../../src/role-store/stores';
import { DryRunService } from '../../src/sync/dry-run';
import { HeldRemovalsService } from '../../src/sync/held-removals';
import { RecordRefresher } from '../../src/sync/record-refresher';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { SYNC_PROVIDERS } from '../../src/sync/sync.module';
import { SyncLease } from '../../src/sync/sync-lease';
import { SyncStatusService } from '../../src/sync/sync-status.service';
import { SYNC_OPTIONS, SyncOptions } from '../../src/sync/sync.types';

/** The sync's jobs, by what tests call on them. */
export interface SyncParts {
  runs: RunCoordinator;
  status: SyncStatusService;
  dryRun: DryRunService;
  held: HeldRemovalsService;
  refresher: RecordRefresher;
  lease: SyncLease;
  shutdown: JobsShutdown;
}

/** The sync's jobs of a Nest application (context) that includes SyncModule. */
export function syncParts(app: Pick<INestApplicationContext, 'get'>): SyncParts {
  return {
    runs: app.get(RunCoordinator),
    status: app.get(SyncStatusService),
    dryRun: app.get(DryRunService),
    held: app.get(HeldRemovalsService),
    refresher: app.get(RecordRefresher),
    lease: app.get(SyncLease),
    shutdown: app.get(JobsShutdown),
  };
}

export interface SyncCollaborators {
  esr: EsrClient;
  /** The role data's ports and the leases (one backend's stores). */
  stores: Pick<Stores, 'reads' | 'runs' | 'generations' | 'changes' | 'leases'>;
  settings: Settings;
  clock: Clock;
  metrics: MetricsService;
  audit: Pick<AuditService, 'record'>;
  options?: SyncOptions;
  /** Keep Nest's logger (default: silent). */
  log?: boolean;
}

/** The sync's jobs around these collaborators (no scheduler, no HTTP). */
export async function createSyncParts(c: SyncCollaborators): Promise<SyncParts> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      ...SYNC_PROVIDERS,
      ...JOB_PROVIDERS,
      { provide: EsrClient, useValue: c.esr },
      { provide: RoleReads, useValue: c.stores.reads },
      { provide: RoleRuns, useValue: c.stores.runs },
      { provide: RoleGenerations, useValue: c.stores.generations },
      { provide: RoleChanges, useValue: c.stores.changes },
      { provide: LeaseStore, useValue: c.stores.leases },
      ...settingsProviders(c.settings),
      { provide: Clock, useValue: c.clock },
      { provide: MetricsService, useValue: c.metrics },
      { provide: AuditService, useValue: c.audit },
      { provide: SYNC_OPTIONS, useValue: c.options ?? {} },
    ],
  }).compile();
  if (!c.log) moduleRef.useLogger(false);
  return syncParts(moduleRef);
}

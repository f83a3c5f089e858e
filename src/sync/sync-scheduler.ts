import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SyncSettings } from '../config/settings/sync.settings';
import { JobScheduler } from '../jobs/job-scheduler';
import { RunCoordinator } from './run-coordinator';

export const INCREMENTAL_JOB = 'role-sync-incremental';
export const FULL_JOB = 'role-sync-full';
export const STARTUP_JOB = 'role-sync-startup';

/**
 * Thin timers (JobScheduler) around RunCoordinator, only when SYNC_ENABLED: an incremental run every
 * SYNC_INTERVAL, a full run on FULL_SYNC_CRON (UK time), and one run at start-up (full for VPDs
 * never synced, incremental for the others). Runs never throw; a tick while this replica is still
 * running is skipped, and another replica's run makes this one's skip (one lease), except the full
 * run's tick, which waits for the run in progress (RunCoordinator.runScheduled).
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncScheduler.name);

  constructor(
    private readonly schedule: JobScheduler,
    private readonly runs: RunCoordinator,
    private readonly settings: SyncSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) {
      this.logger.log('SYNC_ENABLED is false: no scheduled role sync on this replica');
      return;
    }
    this.schedule.every(INCREMENTAL_JOB, this.settings.intervalMs, () => this.runs.runScheduled('incremental', 'schedule'));
    this.schedule.cron(FULL_JOB, this.settings.fullSyncCron, () => this.runs.runScheduled('full', 'schedule'));
    this.schedule.soon(STARTUP_JOB, () => this.runs.runScheduled('incremental', 'startup'));
    this.logger.log(
      `role sync scheduled: incremental every ${this.settings.intervalMs} ms, full on "${this.settings.fullSyncCron}" (UK time)`,
    );
  }

  onApplicationShutdown(): void {
    this.schedule.stopTimers(INCREMENTAL_JOB, FULL_JOB, STARTUP_JOB);
  }
}

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
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
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.syncEnabled) {
      this.logger.log('SYNC_ENABLED is false: no scheduled role sync on this replica');
      return;
    }
    this.schedule.every(INCREMENTAL_JOB, this.config.syncIntervalMs, () => this.runs.runScheduled('incremental', 'schedule'));
    this.schedule.cron(FULL_JOB, this.config.fullSyncCron, () => this.runs.runScheduled('full', 'schedule'));
    this.schedule.soon(STARTUP_JOB, () => this.runs.runScheduled('incremental', 'startup'));
    this.logger.log(
      `role sync scheduled: incremental every ${this.config.syncIntervalMs} ms, full on "${this.config.fullSyncCron}" (UK time)`,
    );
  }

  onApplicationShutdown(): void {
    this.schedule.stopTimers(INCREMENTAL_JOB, FULL_JOB, STARTUP_JOB);
  }
}

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfig } from '../config/app-config';
import { RunCoordinator } from './run-coordinator';
import { UK_ZONE } from '../domain/uk-time';

export const INCREMENTAL_JOB = 'role-sync-incremental';
export const FULL_JOB = 'role-sync-full';

/**
 * Thin timers around RunCoordinator, only when SYNC_ENABLED: an incremental run every
 * SYNC_INTERVAL, a full run on FULL_SYNC_CRON (UK time), and one run at start-up (full for VPDs
 * never synced, incremental for the others). Runs never throw; a tick while this replica is still
 * running is skipped, and another replica's run makes this one's skip (one lease), except the full
 * run's tick, which waits for the run in progress (RunCoordinator.runScheduled).
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncScheduler.name);
  private startup?: NodeJS.Timeout;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly runs: RunCoordinator,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.syncEnabled) {
      this.logger.log('SYNC_ENABLED is false: no scheduled role sync on this replica');
      return;
    }
    this.registry.addInterval(
      INCREMENTAL_JOB,
      setInterval(() => {
        void this.runs.runScheduled('incremental', 'schedule');
      }, this.config.syncIntervalMs),
    );
    const job = CronJob.from({
      cronTime: this.config.fullSyncCron,
      onTick: () => {
        void this.runs.runScheduled('full', 'schedule');
      },
      timeZone: UK_ZONE,
      start: true,
    });
    this.registry.addCronJob(FULL_JOB, job);
    this.startup = setTimeout(() => {
      void this.runs.runScheduled('incremental', 'startup');
    }, 0);
    this.logger.log(
      `role sync scheduled: incremental every ${this.config.syncIntervalMs} ms, full on "${this.config.fullSyncCron}" (UK time)`,
    );
  }

  onApplicationShutdown(): void {
    clearTimeout(this.startup);
    if (this.registry.doesExist('interval', INCREMENTAL_JOB)) this.registry.deleteInterval(INCREMENTAL_JOB);
    if (this.registry.doesExist('cron', FULL_JOB)) this.registry.deleteCronJob(FULL_JOB);
  }
}

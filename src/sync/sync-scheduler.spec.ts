import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { validateEnvironment } from '../config/env.schema';
import { settingsFrom } from '../config/settings/settings';
import { JobScheduler } from '../jobs/job-scheduler';
import type { RunCoordinator } from './run-coordinator';
import { FULL_JOB, INCREMENTAL_JOB, SyncScheduler } from './sync-scheduler';

describe(SyncScheduler.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  const setup = (env: Record<string, string>) => {
    const registry = new SchedulerRegistry();
    const runScheduled = jest.fn().mockReturnValue(null);
    const runs = { runScheduled } as unknown as RunCoordinator;
    const settings = settingsFrom(validateEnvironment(env));
    const scheduler = new SyncScheduler(new JobScheduler(registry, settings.http), runs, settings.sync);
    return { registry, runScheduled, scheduler };
  };

  afterEach(() => jest.useRealTimers());

  it('should schedule nothing when SYNC_ENABLED is false', () => {
    const { registry, scheduler, runScheduled } = setup({ SYNC_ENABLED: 'false' });
    scheduler.onApplicationBootstrap();
    expect(registry.getIntervals()).toEqual([]);
    expect(registry.getCronJobs().size).toBe(0);
    expect(runScheduled).not.toHaveBeenCalled();
  });

  it('should run at start-up, every SYNC_INTERVAL, and stop on shutdown', () => {
    jest.useFakeTimers();
    const { registry, scheduler, runScheduled } = setup({ SYNC_INTERVAL: 'PT2M' });
    scheduler.onApplicationBootstrap();
    expect(registry.getIntervals()).toEqual([INCREMENTAL_JOB]);
    jest.advanceTimersByTime(0);
    expect(runScheduled).toHaveBeenCalledWith('incremental', 'startup');
    jest.advanceTimersByTime(2 * 60_000);
    expect(runScheduled).toHaveBeenLastCalledWith('incremental', 'schedule');
    jest.advanceTimersByTime(2 * 60_000);
    expect(runScheduled).toHaveBeenCalledTimes(3);
    scheduler.onApplicationShutdown();
    expect(registry.getIntervals()).toEqual([]);
    expect(registry.getCronJobs().size).toBe(0);
    jest.advanceTimersByTime(10 * 60_000);
    expect(runScheduled).toHaveBeenCalledTimes(3);
  });

  it('should run the full sync on FULL_SYNC_CRON in UK time, across the clock change', () => {
    const { registry, scheduler, runScheduled } = setup({ FULL_SYNC_CRON: '30 2 * * *' });
    scheduler.onApplicationBootstrap();
    const job = registry.getCronJob(FULL_JOB);
    try {
      expect(job.isActive).toBe(true);
      const zone = job.cronTime.timeZone;
      expect(zone).toBe('Europe/London');
      const summer = job.cronTime.getNextDateFrom(new Date('2026-07-01T12:00:00Z'), zone);
      expect(summer.toUTC().toISO()).toBe('2026-07-02T01:30:00.000Z');
      const winter = job.cronTime.getNextDateFrom(new Date('2026-10-25T12:00:00Z'), zone);
      expect(winter.toUTC().toISO()).toBe('2026-10-26T02:30:00.000Z');
      void job.fireOnTick();
      expect(runScheduled).toHaveBeenCalledWith('full', 'schedule');
    } finally {
      scheduler.onApplicationShutdown();
    }
  });
});

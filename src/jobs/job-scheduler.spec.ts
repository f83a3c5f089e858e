import { SchedulerRegistry } from '@nestjs/schedule';
import { validateEnvironment } from '../config/env.schema';
import { HttpSettings } from '../config/settings/http.settings';
import { JobScheduler } from './job-scheduler';

describe(JobScheduler.name, () => {
  const setup = () => {
    const registry = new SchedulerRegistry();
    const schedule = new JobScheduler(registry, new HttpSettings(validateEnvironment({ SHUTDOWN_GRACE_PERIOD: 'PT5S' })));
    return { registry, schedule };
  };

  afterEach(() => jest.useRealTimers());

  it('should tick every interval, skipping a tick while the previous one runs', async () => {
    jest.useFakeTimers();
    const { registry, schedule } = setup();
    let finish: () => void = () => undefined;
    const tick = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    schedule.every('job', 1_000, tick);
    expect(registry.getIntervals()).toEqual(['job']);
    await jest.advanceTimersByTimeAsync(1_000);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(tick).toHaveBeenCalledTimes(1);
    finish();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(tick).toHaveBeenCalledTimes(2);
    finish();
    await schedule.onApplicationShutdown();
  });

  it('should run a cron job in UK time', () => {
    const { registry, schedule } = setup();
    const tick = jest.fn();
    schedule.cron('nightly', '45 3 * * *', tick);
    const job = registry.getCronJob('nightly');
    try {
      const zone = job.cronTime.timeZone;
      expect(zone).toBe('Europe/London');
      expect(job.cronTime.getNextDateFrom(new Date('2026-07-01T12:00:00Z'), zone).toUTC().toISO()).toBe('2026-07-02T02:45:00.000Z');
      void job.fireOnTick();
      expect(tick).toHaveBeenCalledTimes(1);
    } finally {
      schedule.stopTimers();
    }
  });

  it('should run a start-up tick once', async () => {
    jest.useFakeTimers();
    const { registry, schedule } = setup();
    const tick = jest.fn();
    schedule.soon('startup', tick);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(1);
    expect(registry.getTimeouts()).toEqual([]);
  });

  it('should remove its timers and await the ticks in flight on shutdown', async () => {
    jest.useFakeTimers();
    const { registry, schedule } = setup();
    let finished = false;
    const tick = jest.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      finished = true;
    });
    schedule.every('job', 1_000, tick);
    schedule.cron('nightly', '45 3 * * *', () => undefined);
    await jest.advanceTimersByTimeAsync(1_000);
    const stopped = schedule.onApplicationShutdown();
    expect(registry.getIntervals()).toEqual([]);
    expect(registry.getCronJobs().size).toBe(0);
    await jest.advanceTimersByTimeAsync(500);
    await stopped;
    expect(finished).toBe(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(1);
  });
});

import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpSettings } from '../config/settings/http.settings';
import { UK_ZONE } from '../domain/uk-time';

/** A tick: the work of one run, or null/undefined when it decided not to run. */
export type Tick = () => Promise<unknown> | null | undefined | void;

/**
 * The one way to schedule background work: every N ms, on a cron expression in UK time, or once
 * at start-up. Timers are registered in Nest's SchedulerRegistry by job name; a tick while the
 * previous tick of that job still runs is skipped; on shutdown every timer is removed and the ticks
 * in flight are awaited (up to SHUTDOWN_GRACE).
 */
@Injectable()
export class JobScheduler implements OnApplicationShutdown {
  private readonly intervals = new Set<string>();
  private readonly crons = new Set<string>();
  private readonly timeouts = new Set<string>();
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly http: HttpSettings,
  ) {}

  every(name: string, intervalMs: number, tick: Tick): void {
    this.registry.addInterval(
      name,
      setInterval(() => this.fire(name, tick), intervalMs),
    );
    this.intervals.add(name);
  }

  /** On `expression` (cron syntax) in UK time, across the clock changes. */
  cron(name: string, expression: string, tick: Tick): void {
    const job = CronJob.from({ cronTime: expression, onTick: () => this.fire(name, tick), timeZone: UK_ZONE, start: true });
    this.registry.addCronJob(name, job);
    this.crons.add(name);
  }

  /** Once, as soon as the event loop is free (start-up runs). */
  soon(name: string, tick: Tick): void {
    this.registry.addTimeout(
      name,
      setTimeout(() => {
        this.registry.deleteTimeout(name);
        this.timeouts.delete(name);
        this.fire(name, tick);
      }, 0),
    );
    this.timeouts.add(name);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopTimers();
    const grace = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.running.values()]),
      sleep(this.http.shutdownGraceMs, undefined, { signal: grace.signal }).catch(() => undefined),
    ]);
    grace.abort();
  }

  /** Removes the timers of these jobs (every job's when none is named); ticks in flight go on. */
  stopTimers(...names: string[]): void {
    const all = names.length === 0;
    for (const name of [...this.intervals].filter((n) => all || names.includes(n))) {
      if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
      this.intervals.delete(name);
    }
    for (const name of [...this.crons].filter((n) => all || names.includes(n))) {
      if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
      this.crons.delete(name);
    }
    for (const name of [...this.timeouts].filter((n) => all || names.includes(n))) {
      if (this.registry.doesExist('timeout', name)) this.registry.deleteTimeout(name);
      this.timeouts.delete(name);
    }
  }

  private fire(name: string, tick: Tick): void {
    if (this.running.has(name)) return;
    let result: ReturnType<Tick>;
    try {
      result = tick();
    } catch {
      return;
    }
    if (!(result instanceof Promise)) return;
    const settled = result.catch(() => undefined).finally(() => this.running.delete(name));
    this.running.set(name, settled);
  }
}

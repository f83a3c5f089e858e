import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpSettings } from '../config/settings/http.settings';

/**
 * Shutdown of the background work: runs started in the background are tracked, and jobs holding a
 * lease register how to stop. On shutdown every registered job is stopped (its signal aborted) and
 * the background runs get SHUTDOWN_GRACE to finish.
 */
@Injectable()
export class JobsShutdown implements BeforeApplicationShutdown {
  private readonly active = new Set<() => void>();
  private readonly background = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly http: HttpSettings) {}

  /** True once the application is shutting down: no new runs start. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Keeps a background run until it settles (shutdown waits for it, up to SHUTDOWN_GRACE). */
  track(promise: Promise<unknown>): void {
    const settled = promise.catch(() => undefined).finally(() => this.background.delete(settled));
    this.background.add(settled);
  }

  /** Calls `stop` on shutdown (at once if already shutting down) until the returned function is called. */
  register(stop: () => void): () => void {
    if (this.stopping) stop();
    this.active.add(stop);
    return () => this.active.delete(stop);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const stop of this.active) stop();
    const grace = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.background]),
      sleep(this.http.shutdownGraceMs, undefined, { signal: grace.signal }).catch(() => undefined),
    ]);
    grace.abort();
  }
}

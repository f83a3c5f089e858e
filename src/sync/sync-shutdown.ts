import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpSettings } from '../config/settings/http.settings';
import { SyncInterruptedError } from './sync.errors';

/**
 * The sync's shutdown: runs in the background are tracked here, and work holding the lease registers
 * its abort controller. On shutdown every registered run is stopped at its next page (its new
 * generation is dropped; the live data stays) and the background runs get SHUTDOWN_GRACE to finish.
 */
@Injectable()
export class SyncShutdown implements BeforeApplicationShutdown {
  private readonly active = new Set<AbortController>();
  private readonly background = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly http: HttpSettings) {}

  /** True once the application is shutting down: no new runs start. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Keeps a background run until it settles (shutdown waits for it). */
  track(promise: Promise<unknown>): void {
    const settled = promise.catch(() => undefined).finally(() => this.background.delete(settled));
    this.background.add(settled);
  }

  /** Aborts `controller` on shutdown until the returned function is called. */
  register(controller: AbortController): () => void {
    this.active.add(controller);
    return () => this.active.delete(controller);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const controller of this.active) controller.abort(new SyncInterruptedError('SHUTDOWN'));
    const grace = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.background]),
      sleep(this.http.shutdownGraceMs, undefined, { signal: grace.signal }).catch(() => undefined),
    ]);
    grace.abort();
  }
}

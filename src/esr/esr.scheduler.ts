import { SlidingWindowLog } from './esr.rate-limiter';

/**
 * Which queue an ESR call waits in. `interactive`: a person is waiting (credential searches, on-demand
 * refresh, the Manage User record check). `sync`: background listings.
 */
export type EsrLane = 'interactive' | 'sync';
export const ESR_LANES: readonly EsrLane[] = ['interactive', 'sync'];

export interface EsrSchedulerLimits {
  /** Requests in any window (ESR_RATE_LIMIT_PER_SECOND). */
  ratePerWindow: number;
  windowMs?: number;
  /** Requests in flight at once (ESR_MAX_CONCURRENCY). */
  maxConcurrency: number;
  /** Share (percent) of both budgets the sync lane leaves to interactive calls (ESR_INTERACTIVE_RESERVE). */
  interactiveReservePercent: number;
  /** Calls that may wait in one lane; more are refused with EsrQueueFullError. */
  maxQueuedPerLane: number;
}

/** Too many ESR calls are already waiting in this lane. */
export class EsrQueueFullError extends Error {
  constructor(readonly lane: EsrLane) {
    super(`too many ESR calls waiting in the ${lane} lane`);
    this.name = 'EsrQueueFullError';
  }
}

/** The right to make one HTTP exchange with ESR; release it when the answer (or failure) arrives. */
export interface EsrPermit {
  /** How long the call waited for its turn (ms). */
  readonly waitedMs: number;
  release(): void;
}

interface Waiter {
  lane: EsrLane;
  enqueuedAt: number;
  resolve: (permit: EsrPermit) => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Why a signal aborted, as an Error. */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the ESR call was abandoned');
}

/** What the sync lane may use of a budget: all but the reserved share, and at least one. */
export function syncShare(budget: number, reservePercent: number): number {
  if (budget <= 1 || reservePercent <= 0) return budget;
  const reserved = Math.min(budget - 1, Math.max(1, Math.ceil((budget * reservePercent) / 100)));
  return budget - reserved;
}

/**
 * Admission to ESR for every HTTP exchange: ESR's rate limit (a sliding-window log, see
 * SlidingWindowLog) and a concurrency limit, with two lanes.
 *
 * - A call goes at once while the budgets have room; otherwise it waits in its lane's FIFO queue.
 * - Interactive calls go first: a sync call is admitted only when no interactive call is waiting.
 * - The sync lane never takes the whole budget: it is admitted only while the places taken (by
 *   either lane) are below `syncShare` of the rate and of the concurrency, so the reserved share is
 *   free for a person's call the moment it arrives.
 * A waiting call whose AbortSignal fires leaves the queue and rejects with the signal's reason.
 */
export class EsrScheduler {
  readonly rateLimit: number;
  readonly syncRateLimit: number;
  readonly concurrency: number;
  readonly syncConcurrency: number;
  private readonly log: SlidingWindowLog;
  private readonly queues: Record<EsrLane, Waiter[]> = { interactive: [], sync: [] };
  private timer?: NodeJS.Timeout;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly limits: EsrSchedulerLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(limits.maxConcurrency) || limits.maxConcurrency < 1)
      throw new RangeError('maxConcurrency must be a positive integer');
    if (!(limits.interactiveReservePercent >= 0 && limits.interactiveReservePercent < 100))
      throw new RangeError('interactiveReservePercent must be from 0 to 99');
    this.log = new SlidingWindowLog(limits.ratePerWindow, limits.windowMs ?? 1000);
    this.rateLimit = limits.ratePerWindow;
    this.syncRateLimit = syncShare(limits.ratePerWindow, limits.interactiveReservePercent);
    this.concurrency = limits.maxConcurrency;
    this.syncConcurrency = syncShare(limits.maxConcurrency, limits.interactiveReservePercent);
  }

  /** Calls waiting in a lane. */
  queued(lane: EsrLane): number {
    return this.queues[lane].length;
  }

  /** Resolves with a permit when the call may start. */
  acquire(lane: EsrLane, signal?: AbortSignal): Promise<EsrPermit> {
    if (this.closed) return Promise.reject(new Error('the ESR scheduler is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const now = this.now();
    const queue = this.queues[lane];
    // Nobody ahead in this lane (and, for sync, in the interactive lane): go now if there is room.
    const ahead = queue.length > 0 || (lane === 'sync' && this.queues.interactive.length > 0);
    if (!ahead && this.admissible(lane, now)) return Promise.resolve(this.admit(0));
    if (queue.length >= this.limits.maxQueuedPerLane) return Promise.reject(new EsrQueueFullError(lane));
    return new Promise<EsrPermit>((resolve, reject) => {
      const waiter: Waiter = { lane, enqueuedAt: now, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(abortReason(signal));
          this.pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      queue.push(waiter);
      this.pump();
    });
  }

  /** Refuses every waiting call and stops the timer (application shutdown). */
  close(): void {
    this.closed = true;
    this.clearTimer();
    for (const lane of ESR_LANES) {
      for (const waiter of this.queues[lane].splice(0)) {
        if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.reject(new Error('the ESR client is shutting down'));
      }
    }
  }

  private admissible(lane: EsrLane, now: number): boolean {
    const used = this.log.used(now);
    const running = this.log.inFlight;
    return lane === 'interactive'
      ? used < this.rateLimit && running < this.concurrency
      : used < this.syncRateLimit && running < this.syncConcurrency;
  }

  private admit(waitedMs: number): EsrPermit {
    this.log.start();
    let released = false;
    return {
      waitedMs,
      release: () => {
        if (released) return;
        released = true;
        this.log.finish(this.now());
        this.pump();
      },
    };
  }

  /** Admits waiting calls in priority order while there is room; else wakes up when a place frees. */
  private pump(): void {
    const now = this.now();
    for (;;) {
      const lane: EsrLane | undefined =
        this.queues.interactive.length > 0 ? 'interactive' : this.queues.sync.length > 0 ? 'sync' : undefined;
      if (lane === undefined) {
        this.clearTimer();
        return;
      }
      // Strict priority: the sync lane's limits are never looser than the interactive lane's, so an
      // interactive call that cannot go means no sync call can either.
      if (!this.admissible(lane, now)) break;
      const waiter = this.queues[lane].shift() as Waiter;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.admit(now - waiter.enqueuedAt));
    }
    // Blocked. A release calls pump(); a place that frees by time alone needs a timer.
    const at = this.log.nextExpiry(now);
    if (at === undefined) {
      this.clearTimer();
      return;
    }
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(1, Math.ceil(at - now)),
    );
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }
}

import { EsrBudgetAnswer, EsrBudgetPlace, EsrBudgetRule, EsrBudgetStore, syncShare } from '../role-store/esr-budget';
import { MemoryEsrBudget } from '../role-store/memory-esr-budget';
import type { EsrMetrics } from './esr.metrics';

export { syncShare } from '../role-store/esr-budget';

/**
 * Which queue an ESR call waits in. `interactive`: a person is waiting (credential searches, on-demand
 * refresh, the Manage User record check). `sync`: background listings.
 */
export type EsrLane = 'interactive' | 'sync';
export const ESR_LANES: readonly EsrLane[] = ['interactive', 'sync'];

export interface EsrSchedulerLimits {
  /** Requests in any window, every replica together (ESR_RATE_LIMIT_PER_SECOND). */
  ratePerWindow: number;
  windowMs?: number;
  /** Requests in flight at once from this replica (ESR_MAX_CONCURRENCY). */
  maxConcurrency: number;
  /** Share (percent) of both budgets the sync lane leaves to interactive calls (ESR_INTERACTIVE_RESERVE). */
  interactiveReservePercent: number;
  /** Calls that may wait in one lane; more are refused with EsrQueueFullError. */
  maxQueuedPerLane: number;
  /** Longest an exchange can take before its answer (ESR_REQUEST_TIMEOUT); default 15 s. */
  requestTimeoutMs?: number;
  /** Replicas expected at least (ESR_RATE_LIMIT_REPLICAS): divides the rate while the shared budget is away. */
  replicas?: number;
}

/** Where the rate budget is kept and what is told about it (defaults: this process's own log, no metrics). */
export interface EsrSchedulerOptions {
  budget?: EsrBudgetStore;
  /** Monotonic milliseconds. */
  now?: () => number;
  metrics?: Pick<EsrMetrics, 'budgetWait' | 'budgetSaturated' | 'budgetUsed' | 'budgetFallback'>;
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
  /** When the call first asked the budget (at the head of its lane). */
  askedAt?: number;
  resolve: (permit: EsrPermit) => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Arrival order. */
  seq: number;
  /** Settled (aborted, or refused on close) while its take was in flight. */
  gone?: boolean;
}

/** Why a signal aborted, as an Error. */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the ESR call was abandoned');
}

/**
 * Admission to ESR for every HTTP exchange: ESR's rate limit (the EsrBudgetStore: one sliding
 * window for every replica in Redis, else this process's own) and this replica's concurrency
 * limit, with two lanes.
 *
 * - Calls wait in their lane's FIFO queue; the head of the first lane with a waiter asks the budget
 *   (one take at a time, one round trip each) and goes when granted.
 * - Interactive calls go first: a sync call asks only when no interactive call is waiting.
 * - The sync lane never takes the whole budget: the budget grants it a place only while fewer than
 *   `syncShare` of the rate are taken (by every lane and replica), and this replica starts it only
 *   below `syncShare` of the concurrency, so the reserved share is free for a person's call.
 * - A refusal says when a place frees; the lane asks again then.
 * A waiting call whose AbortSignal fires leaves the queue and rejects with the signal's reason.
 */
export class EsrScheduler {
  readonly rateLimit: number;
  readonly syncRateLimit: number;
  readonly concurrency: number;
  readonly syncConcurrency: number;
  private readonly rule: EsrBudgetRule;
  private readonly budget: EsrBudgetStore;
  private readonly now: () => number;
  private readonly queues: Record<EsrLane, Waiter[]> = { interactive: [], sync: [] };
  private readonly blockedUntil: Record<EsrLane, number> = { interactive: 0, sync: 0 };
  private running = 0;
  private seq = 0;
  /** Calls whose direct take (nobody ahead of them) is in flight. */
  private readonly direct = new Set<Waiter>();
  private asking = false;
  private timer?: NodeJS.Timeout;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly limits: EsrSchedulerLimits,
    private readonly options: EsrSchedulerOptions = {},
  ) {
    if (!Number.isInteger(limits.maxConcurrency) || limits.maxConcurrency < 1)
      throw new RangeError('maxConcurrency must be a positive integer');
    if (!(limits.interactiveReservePercent >= 0 && limits.interactiveReservePercent < 100))
      throw new RangeError('interactiveReservePercent must be from 0 to 99');
    if (!Number.isInteger(limits.ratePerWindow) || limits.ratePerWindow < 1)
      throw new RangeError('ratePerWindow must be a positive integer');
    this.now = options.now ?? (() => performance.now());
    this.budget = options.budget ?? new MemoryEsrBudget(this.now);
    this.rule = {
      limit: limits.ratePerWindow,
      reservePercent: limits.interactiveReservePercent,
      windowMs: limits.windowMs ?? 1000,
      holdMs: limits.requestTimeoutMs ?? 15_000,
      replicas: limits.replicas ?? 1,
    };
    this.rateLimit = limits.ratePerWindow;
    this.syncRateLimit = syncShare(limits.ratePerWindow, limits.interactiveReservePercent);
    this.concurrency = limits.maxConcurrency;
    this.syncConcurrency = syncShare(limits.maxConcurrency, limits.interactiveReservePercent);
  }

  /** Calls waiting in a lane (queued, or asking the budget). */
  queued(lane: EsrLane): number {
    let asking = 0;
    for (const waiter of this.direct) if (waiter.lane === lane) asking++;
    return this.queues[lane].length + asking;
  }

  /** Resolves with a permit when the call may start. */
  acquire(lane: EsrLane, signal?: AbortSignal): Promise<EsrPermit> {
    if (this.closed) return Promise.reject(new Error('the ESR scheduler is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const queue = this.queues[lane];
    if (this.queued(lane) >= this.limits.maxQueuedPerLane) return Promise.reject(new EsrQueueFullError(lane));
    return new Promise<EsrPermit>((resolve, reject) => {
      const waiter: Waiter = { lane, seq: ++this.seq, enqueuedAt: this.now(), resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          this.direct.delete(waiter);
          waiter.gone = true;
          reject(abortReason(signal));
          this.pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      // Nobody ahead in this lane (and, for sync, in the interactive lane): ask at once, in arrival order.
      if (this.mayAskNow(lane, waiter.enqueuedAt)) return this.askDirectly(waiter);
      queue.push(waiter);
      this.pump();
    });
  }

  /** Refuses every waiting call and stops the timer (application shutdown). */
  close(): void {
    this.closed = true;
    this.clearTimer();
    const asking = [...this.direct];
    this.direct.clear();
    for (const lane of ESR_LANES) {
      for (const waiter of [...this.queues[lane].splice(0), ...asking.filter((w) => w.lane === lane)]) {
        waiter.gone = true;
        if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.reject(new Error('the ESR client is shutting down'));
      }
    }
  }

  private mayAskNow(lane: EsrLane, now: number): boolean {
    const ahead = this.queues[lane].length > 0 || (lane === 'sync' && this.queues.interactive.length > 0);
    return !ahead && now >= this.blockedUntil[lane] && this.running < this.concurrencyOf(lane);
  }

  private concurrencyOf(lane: EsrLane): number {
    return lane === 'interactive' ? this.concurrency : this.syncConcurrency;
  }

  /** A take for a call nobody is ahead of; refused, the call waits at the head of its lane. */
  private askDirectly(waiter: Waiter): void {
    const { lane } = waiter;
    const askedAt = (waiter.askedAt = this.now());
    this.running++; // its place in flight, held while the budget answers
    this.direct.add(waiter);
    const refused = (retryInMs: number) => {
      this.running--;
      this.direct.delete(waiter);
      this.blockedUntil[lane] = Math.max(this.blockedUntil[lane], askedAt + retryInMs);
      if (!waiter.gone) this.enqueueInOrder(waiter);
      // After the other answers of this moment (an interactive call refused with it goes first).
      void Promise.resolve().then(() => this.pump());
    };
    this.budget.take(lane, this.rule).then(
      (answer) => {
        this.observe(lane, answer);
        if (!answer.granted) return refused(answer.retryInMs);
        this.direct.delete(waiter);
        if (waiter.gone) {
          this.running--;
          answer.place.finish(); // the place stays taken for a window
          return this.pump();
        }
        this.grant(waiter, answer.place, false);
      },
      () => refused(this.rule.windowMs),
    );
  }

  /** Puts a call refused on its direct take back in its lane, in arrival order. */
  private enqueueInOrder(waiter: Waiter): void {
    const queue = this.queues[waiter.lane];
    const at = queue.findIndex((other) => other.seq > waiter.seq);
    queue.splice(at < 0 ? queue.length : at, 0, waiter);
  }

  /**
   * Asks the budget for the head of the first lane with a waiter, when it may go as far as this
   * replica knows (room in flight, no refusal still running). Strict priority: the sync lane's
   * limits are never looser than the interactive lane's, so an interactive call that cannot go
   * means no sync call can either.
   */
  private pump(): void {
    if (this.asking || this.closed) return;
    const lane: EsrLane | undefined = this.queues.interactive.length > 0 ? 'interactive' : this.queues.sync.length > 0 ? 'sync' : undefined;
    if (lane === undefined) return this.clearTimer();
    const now = this.now();
    if (now < this.blockedUntil[lane]) return this.wakeAt(this.blockedUntil[lane], now);
    if (this.running >= this.concurrencyOf(lane)) return; // a release pumps
    const head = this.queues[lane][0];
    head.askedAt ??= now;
    this.asking = true;
    this.budget.take(lane, this.rule).then(
      (answer) => this.answered(lane, answer, now),
      // The stores answer refusals, not errors; should one throw, ask again in a window.
      () => this.answered(lane, { granted: false, retryInMs: this.rule.windowMs, used: 0, source: this.budget.kind }, now),
    );
  }

  /** The budget's answer to a take asked at `askedAt` for the head of a lane. */
  private answered(lane: EsrLane, answer: EsrBudgetAnswer, askedAt: number): void {
    this.asking = false;
    this.observe(lane, answer);
    if (!answer.granted) this.blockedUntil[lane] = Math.max(this.blockedUntil[lane], askedAt + answer.retryInMs);
    else {
      const waiter = this.closed ? undefined : this.queues[lane].shift();
      if (!waiter)
        answer.place.finish(); // abandoned meanwhile: the place stays taken for a window
      else this.grant(waiter, answer.place, true);
    }
    this.pump();
  }

  private observe(lane: EsrLane, answer: EsrBudgetAnswer): void {
    const metrics = this.options.metrics;
    metrics?.budgetUsed.set(answer.used);
    metrics?.budgetFallback.set(answer.source === 'fallback' ? 1 : 0);
    if (!answer.granted) metrics?.budgetSaturated.inc({ lane });
  }

  /** Hands a place to a call; `count` when its place in flight is not counted yet. */
  private grant(waiter: Waiter, place: EsrBudgetPlace, count: boolean): void {
    const now = this.now();
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    this.options.metrics?.budgetWait.observe({ lane: waiter.lane }, (now - (waiter.askedAt ?? now)) / 1000);
    if (count) this.running++;
    let released = false;
    waiter.resolve({
      waitedMs: now - waiter.enqueuedAt,
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        place.finish();
        this.pump();
      },
    });
  }

  private wakeAt(at: number, now: number): void {
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

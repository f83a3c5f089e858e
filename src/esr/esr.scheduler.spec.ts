import { EsrBudgetAnswer, EsrBudgetStore } from '../role-store/esr-budget';
import { EsrLane, EsrPermit, EsrQueueFullError, EsrScheduler, EsrSchedulerOptions, syncShare } from './esr.scheduler';

const limits = (overrides: Partial<ConstructorParameters<typeof EsrScheduler>[0]> = {}) => ({
  ratePerWindow: 5,
  windowMs: 1000,
  maxConcurrency: 64,
  interactiveReservePercent: 0,
  maxQueuedPerLane: 1000,
  ...overrides,
});

/** Lets pending promise callbacks run (fake timers do not advance on their own). */
const settle = async () => {
  for (let i = 0; i < 100; i++) await Promise.resolve();
};

describe(EsrScheduler.name, () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  const make = (overrides: Parameters<typeof limits>[0] = {}) => new EsrScheduler(limits(overrides), { now: () => Date.now() });

  /** Acquires and records when (fake ms) and in which order each permit came. */
  const track = (scheduler: EsrScheduler) => {
    const admitted: Array<{ name: string; at: number; permit: EsrPermit }> = [];
    const ask = (name: string, lane: EsrLane = 'sync', signal?: AbortSignal) =>
      scheduler.acquire(lane, signal).then((permit) => {
        admitted.push({ name, at: Date.now(), permit });
        return permit;
      });
    const names = () => admitted.map((a) => a.name);
    return { admitted, ask, names };
  };

  it('should let calls through at once while the limit is not reached, without pacing them', async () => {
    const scheduler = make();
    const { ask, admitted } = track(scheduler);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => ask(n, 'interactive')));
    expect(admitted.map((a) => [a.at, a.permit.waitedMs])).toEqual(Array(5).fill([0, 0]));
  });

  it('should make the next call wait until a window has passed since the oldest answer', async () => {
    const scheduler = make();
    const { ask, admitted, names } = track(scheduler);
    const first = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => ask(n)));
    const sixth = ask('f');
    jest.advanceTimersByTime(100);
    first[0].release(); // answered at 100
    first[1].release();
    await settle();
    expect(names()).not.toContain('f'); // in flight or answered less than a window ago: all five count
    jest.advanceTimersByTime(999);
    await settle();
    expect(names()).not.toContain('f');
    jest.advanceTimersByTime(1);
    await sixth;
    expect(admitted[5]).toMatchObject({ name: 'f', at: 1100 });
    expect(admitted[5].permit.waitedMs).toBe(1100);
  });

  it('should never admit a call while `limit` others are in flight or were answered within the window, however calls arrive', async () => {
    const scheduler = make({ ratePerWindow: 4, maxConcurrency: 3, interactiveReservePercent: 25 });
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const calls: Array<{ start: number; end?: number }> = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const lane: EsrLane = random() < 0.3 ? 'interactive' : 'sync';
      const latency = Math.floor(random() * 300);
      pending.push(
        scheduler.acquire(lane).then((permit) => {
          const call: { start: number; end?: number } = { start: Date.now() };
          calls.push(call);
          setTimeout(() => {
            call.end = Date.now();
            permit.release();
          }, latency);
        }),
      );
      jest.advanceTimersByTime(Math.floor(random() * 150));
      await settle();
    }
    for (let t = 0; t < 120_000 && calls.length < 200; t += 10) {
      jest.advanceTimersByTime(10);
      await settle();
    }
    await Promise.all(pending);
    expect(calls).toHaveLength(200);
    for (const call of calls) {
      // Everyone started before it and still in flight, or answered less than a window before it started.
      const holding = calls.filter((o) => o !== call && o.start <= call.start && (o.end === undefined || o.end > call.start - 1000));
      expect(holding.length).toBeLessThan(4);
      const inFlight = calls.filter((o) => o !== call && o.start <= call.start && (o.end === undefined || o.end > call.start));
      expect(inFlight.length).toBeLessThan(3);
    }
    const starts = calls.map((c) => c.start).sort((a, b) => a - b);
    for (let i = 4; i < starts.length; i++) expect(starts[i] - starts[i - 4]).toBeGreaterThanOrEqual(1000);
  });

  it('should serve waiting interactive calls before sync calls that waited longer', async () => {
    const scheduler = make({ ratePerWindow: 2 });
    const { ask, names } = track(scheduler);
    const held = await Promise.all([ask('sync-1'), ask('sync-2')]);
    void ask('sync-3');
    void ask('sync-4');
    void ask('search', 'interactive');
    held.forEach((p) => p.release());
    jest.advanceTimersByTime(1000);
    await settle();
    expect(names()).toEqual(['sync-1', 'sync-2', 'search', 'sync-3']);
  });

  it('should keep the reserved share for interactive calls: a long sync never takes the whole budget', async () => {
    const scheduler = make({ ratePerWindow: 10, maxConcurrency: 64, interactiveReservePercent: 20 });
    expect(scheduler.syncRateLimit).toBe(8);
    const { ask, names } = track(scheduler);
    for (let i = 0; i < 20; i++) void ask(`page-${i}`);
    await settle();
    expect(names()).toHaveLength(8);
    expect(scheduler.queued('sync')).toBe(12);

    await Promise.all([ask('search-1', 'interactive'), ask('search-2', 'interactive')]);
    expect(names().slice(8)).toEqual(['search-1', 'search-2']);
    void ask('search-3', 'interactive'); // the reserve is used up: this one waits for a place too
    await settle();
    expect(names()).not.toContain('search-3');
  });

  it('should limit calls in flight, with a share of them reserved for interactive calls', async () => {
    const scheduler = make({ ratePerWindow: 100, maxConcurrency: 4, interactiveReservePercent: 25 });
    expect(scheduler.syncConcurrency).toBe(3);
    const { ask, names } = track(scheduler);
    const pages = Array.from({ length: 5 }, (_, i) => ask(`page-${i}`));
    await settle();
    expect(names()).toEqual(['page-0', 'page-1', 'page-2']);
    const search = await ask('search', 'interactive');
    const search2 = ask('search-2', 'interactive');
    await settle();
    expect(names()).toHaveLength(4);
    search.release();
    await settle();
    expect(names()[4]).toBe('search-2'); // a place in flight freed: the interactive call gets it first
    (await pages[0]).release();
    await settle();
    expect(names()).toHaveLength(5); // 2 pages + 1 search in flight: the sync's share (3) is taken
    (await search2).release();
    await settle();
    expect(names()[5]).toBe('page-3');
  });

  it('should take a waiting call out of the queue when its signal aborts', async () => {
    const scheduler = make({ ratePerWindow: 1 });
    const { ask, names } = track(scheduler);
    const held = await ask('first', 'interactive');
    const controller = new AbortController();
    const abandoned = ask('abandoned', 'interactive', controller.signal);
    void ask('next', 'interactive');
    controller.abort(new Error('deadline'));
    await expect(abandoned).rejects.toThrow('deadline');
    held.release();
    jest.advanceTimersByTime(1000);
    await settle();
    expect(names()).toEqual(['first', 'next']);
    await expect(scheduler.acquire('interactive', controller.signal)).rejects.toThrow('deadline');
  });

  it('should refuse a call when its lane already has the most calls waiting', async () => {
    const scheduler = make({ ratePerWindow: 1, maxQueuedPerLane: 2 });
    await scheduler.acquire('sync');
    void scheduler.acquire('sync');
    void scheduler.acquire('sync');
    await expect(scheduler.acquire('sync')).rejects.toBeInstanceOf(EsrQueueFullError);
    void scheduler.acquire('interactive'); // the other lane has its own queue
    expect(scheduler.queued('interactive')).toBe(1);
  });

  it('should refuse every waiting call on close', async () => {
    const scheduler = make({ ratePerWindow: 1 });
    await scheduler.acquire('sync');
    const waiting = scheduler.acquire('interactive');
    scheduler.close();
    await expect(waiting).rejects.toThrow('shutting down');
    await expect(scheduler.acquire('sync')).rejects.toThrow('closed');
  });

  it('should take its places from the budget it is given, ask again when told, and report the answers', async () => {
    const finish = jest.fn();
    const answers: EsrBudgetAnswer[] = [
      { granted: false, retryInMs: 300, used: 3, source: 'fallback' },
      { granted: true, place: { finish }, used: 3, source: 'shared' },
    ];
    const take = jest.fn(async () => answers.shift() as EsrBudgetAnswer);
    const budget: EsrBudgetStore = { kind: 'shared', take };
    const metrics = {
      budgetWait: { observe: jest.fn() },
      budgetSaturated: { inc: jest.fn() },
      budgetUsed: { set: jest.fn() },
      budgetFallback: { set: jest.fn() },
    };
    const scheduler = new EsrScheduler(limits({ ratePerWindow: 3, interactiveReservePercent: 20, replicas: 3, requestTimeoutMs: 5000 }), {
      budget,
      now: () => Date.now(),
      metrics: metrics as unknown as EsrSchedulerOptions['metrics'],
    });
    const permit = scheduler.acquire('sync');
    await settle();
    expect(take).toHaveBeenCalledTimes(1);
    expect(take).toHaveBeenCalledWith('sync', { limit: 3, reservePercent: 20, windowMs: 1000, holdMs: 5000, replicas: 3 });
    expect(metrics.budgetSaturated.inc).toHaveBeenCalledWith({ lane: 'sync' });
    expect(metrics.budgetFallback.set).toHaveBeenLastCalledWith(1);
    jest.advanceTimersByTime(299);
    await settle();
    expect(take).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect((await permit).waitedMs).toBe(300);
    expect(metrics.budgetWait.observe).toHaveBeenCalledWith({ lane: 'sync' }, 0.3);
    expect(metrics.budgetFallback.set).toHaveBeenLastCalledWith(0);
    expect(metrics.budgetUsed.set).toHaveBeenLastCalledWith(3);
    (await permit).release();
    expect(finish).toHaveBeenCalledTimes(1);
  });

  it.each([
    [15, 20, 12],
    [20, 20, 16],
    [10, 0, 10],
    [8, 20, 6],
    [3, 90, 1],
    [1, 50, 1],
  ])('should give the sync lane syncShare(%i, %i%%) = %i', (budget, percent, share) => {
    expect(syncShare(budget, percent)).toBe(share);
  });
});

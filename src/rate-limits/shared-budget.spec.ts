import { SharedBudget, type RateCounterFn } from './shared-budget';

/** One shared fixed-window counter, as the Redis and in-process stores keep it. */
function sharedCounter(now: () => number): RateCounterFn & { calls: number } {
  const windows = new Map<string, { count: number; endsAt: number }>();
  const fn = (async (key: string, windowMs: number, amount: number) => {
    fn.calls += 1;
    let w = windows.get(key);
    if (!w || now() >= w.endsAt) w = { count: 0, endsAt: now() + windowMs };
    w.count += amount;
    windows.set(key, w);
    return { count: w.count, resetMs: w.endsAt - now() };
  }) as RateCounterFn & { calls: number };
  fn.calls = 0;
  return fn;
}

describe(SharedBudget.name, () => {
  let t: number;
  const now = () => t;
  beforeEach(() => (t = 1_000_000));

  it('should allow hits up to the limit and refuse the next with the seconds left in the window', () => {
    const budget = new SharedBudget({ limit: 3, windowMs: 60_000, flushEveryMs: 250, now }, sharedCounter(now));
    expect([1, 2, 3].map(() => budget.take('k').allowed)).toEqual([true, true, true]);
    t += 15_000;
    expect(budget.take('k')).toEqual({ allowed: false, retryAfterSeconds: 45 });
  });

  it('should keep separate budgets per key', () => {
    const budget = new SharedBudget({ limit: 1, windowMs: 60_000, flushEveryMs: 250, now }, sharedCounter(now));
    expect(budget.take('a').allowed).toBe(true);
    expect(budget.take('b').allowed).toBe(true);
    expect(budget.take('a').allowed).toBe(false);
  });

  it('should hold the limit across replicas once they have flushed', async () => {
    const counter = sharedCounter(now);
    const one = new SharedBudget({ limit: 10, windowMs: 60_000, flushEveryMs: 250, now }, counter);
    const two = new SharedBudget({ limit: 10, windowMs: 60_000, flushEveryMs: 250, now }, counter);
    for (let i = 0; i < 6; i++) expect(one.take('k').allowed).toBe(true);
    await one.flush();
    for (let i = 0; i < 4; i++) expect(two.take('k').allowed).toBe(true);
    await two.flush();
    await one.flush();
    expect(one.take('k').allowed).toBe(false);
    expect(two.take('k').allowed).toBe(false);
  });

  it('should make one shared-store call per key per flush, whatever the request rate', async () => {
    const counter = sharedCounter(now);
    const budget = new SharedBudget({ limit: 1000, windowMs: 60_000, flushEveryMs: 250, now }, counter);
    for (let i = 0; i < 500; i++) budget.take('k');
    await budget.flush();
    expect(counter.calls).toBe(1);
  });

  it('should keep hits pending when the shared store fails and count them on the next flush', async () => {
    const counter = sharedCounter(now);
    let down = true;
    const flaky: RateCounterFn = (key, windowMs, amount) =>
      down ? Promise.reject(new Error('redis down')) : counter(key, windowMs, amount);
    const budget = new SharedBudget({ limit: 5, windowMs: 60_000, flushEveryMs: 250, now }, flaky);
    for (let i = 0; i < 3; i++) budget.take('k');
    await expect(budget.flush()).resolves.toBeUndefined();
    down = false;
    await budget.flush();
    const other = new SharedBudget({ limit: 5, windowMs: 60_000, flushEveryMs: 250, now }, counter);
    other.take('k');
    await other.flush();
    expect(other.take('k').allowed).toBe(true);
    expect(other.take('k').allowed).toBe(false);
  });

  it('should start a fresh budget when the window has passed', () => {
    const budget = new SharedBudget({ limit: 1, windowMs: 1_000, flushEveryMs: 250, now }, sharedCounter(now));
    expect(budget.take('k').allowed).toBe(true);
    expect(budget.take('k').allowed).toBe(false);
    t += 1_000;
    expect(budget.take('k').allowed).toBe(true);
  });
});

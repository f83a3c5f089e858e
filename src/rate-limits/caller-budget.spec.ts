import { FakeClock } from '../common/clock/clock';
import { MemoryRateCounter } from '../role-store/memory-rate-counter';
import { CallerBudget, decideBudgets, hashedCaller, hitsWithinBudgets } from './caller-budget';
import { CallerRateLimiter } from './caller-rate-limiter';

const userBudget: CallerBudget = { name: 'credential-search', limitPerMinute: 2, caller: hashedCaller('hr@nhs.net') };
const keyBudget: CallerBudget = { name: 'credential-search-key', limitPerMinute: 3, caller: 'portal1' };

describe(decideBudgets.name, () => {
  it('should allow while every budget is within its limit', () => {
    expect(
      decideBudgets(
        [keyBudget, userBudget],
        [
          { count: 3, resetMs: 10_000 },
          { count: 2, resetMs: 10_000 },
        ],
      ),
    ).toEqual({
      allowed: true,
    });
    expect(decideBudgets([], [])).toEqual({ allowed: true });
  });

  it('should refuse with the first budget over its limit, in the order given, and the seconds until its window resets', () => {
    expect(
      decideBudgets(
        [keyBudget, userBudget],
        [
          { count: 4, resetMs: 12_001 },
          { count: 3, resetMs: 5_000 },
        ],
      ),
    ).toEqual({
      allowed: false,
      budget: keyBudget,
      retryAfterSeconds: 13,
    });
    expect(
      decideBudgets(
        [keyBudget, userBudget],
        [
          { count: 1, resetMs: 59_000 },
          { count: 3, resetMs: 400 },
        ],
      ),
    ).toEqual({
      allowed: false,
      budget: userBudget,
      retryAfterSeconds: 1,
    });
  });

  it('should ask for a whole window when the counter did not say when it resets', () => {
    expect(decideBudgets([userBudget], [{ count: 3, resetMs: 0 }])).toMatchObject({ allowed: false, retryAfterSeconds: 60 });
  });
});

describe(hashedCaller.name, () => {
  it('should keep 32 hex digits of the SHA-256, never the id itself', () => {
    expect(hashedCaller('hr@nhs.net')).toMatch(/^[0-9a-f]{32}$/);
    expect(hashedCaller('hr@nhs.net')).toBe(hashedCaller('hr@nhs.net'));
    expect(hashedCaller('hr@nhs.net')).not.toBe(hashedCaller('hr2@nhs.net'));
  });
});

describe(CallerRateLimiter.name, () => {
  let clock: FakeClock;
  let counter: MemoryRateCounter;
  let limiter: CallerRateLimiter;
  beforeEach(() => {
    clock = new FakeClock(Date.parse('2026-11-25T10:00:00Z'));
    counter = new MemoryRateCounter(clock);
    limiter = new CallerRateLimiter(counter);
  });

  it('should count every budget under its name and caller, refused or not, and refuse once one is over', async () => {
    for (let i = 0; i < 2; i++) await expect(limiter.consume([keyBudget, userBudget])).resolves.toEqual({ allowed: true });
    clock.advance(15_000);
    await expect(limiter.consume([keyBudget, userBudget])).resolves.toEqual({ allowed: false, budget: userBudget, retryAfterSeconds: 45 });
    await expect(limiter.consume([keyBudget, userBudget])).resolves.toMatchObject({ allowed: false, budget: keyBudget });
    await expect(counter.hit(`credential-search:${hashedCaller('hr@nhs.net')}`, 60_000)).resolves.toMatchObject({ count: 5 });
    await expect(counter.hit('credential-search-key:portal1', 60_000)).resolves.toMatchObject({ count: 5 });
  });

  it('should keep callers apart and start afresh in the next window', async () => {
    const other = { ...userBudget, caller: hashedCaller('other@nhs.net') };
    for (let i = 0; i < 2; i++) await limiter.consume([userBudget]);
    await expect(limiter.consume([userBudget])).resolves.toMatchObject({ allowed: false });
    await expect(limiter.consume([other])).resolves.toEqual({ allowed: true });
    clock.advance(60_000);
    await expect(limiter.consume([userBudget])).resolves.toEqual({ allowed: true });
  });
});

describe(hitsWithinBudgets.name, () => {
  it('should allow what every budget had left before a batch was counted, at most the batch', () => {
    const windows = (key: number, user: number) => [
      { count: key, resetMs: 1_000 },
      { count: user, resetMs: 1_000 },
    ];
    expect(hitsWithinBudgets([keyBudget, userBudget], windows(2, 2), 2)).toBe(2);
    expect(hitsWithinBudgets([keyBudget, userBudget], windows(5, 5), 5)).toBe(2);
    expect(hitsWithinBudgets([keyBudget, userBudget], windows(7, 4), 3)).toBe(0);
    expect(hitsWithinBudgets([], [], 4)).toBe(4);
  });

  it('should count a batch on the shared counter through CallerRateLimiter.consumeMany, taking back what it does not grant', async () => {
    const limiter = new CallerRateLimiter(new MemoryRateCounter(new FakeClock(0)));
    const counter = new MemoryRateCounter(new FakeClock(0));
    const shared = new CallerRateLimiter(counter);
    await expect(shared.consumeMany([userBudget], 3)).resolves.toBe(2);
    await expect(shared.consumeMany([userBudget], 1)).resolves.toBe(0);
    await expect(shared.consumeMany([userBudget], 0)).resolves.toBe(0);
    await expect(counter.hit(`credential-search:${userBudget.caller}`, 60_000, 0)).resolves.toMatchObject({ count: 2 }); // not 4
    await expect(limiter.consumeMany([keyBudget], 2)).resolves.toBe(2);
  });
});

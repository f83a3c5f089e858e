import { FakeClock } from '../common/clock/clock';
import { MemoryRateCounter } from '../role-store/memory-rate-counter';
import { CallerBudget, decideBudgets, hashedCaller } from './caller-budget';
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

import { PacedRateLimiter } from './esr.rate-limiter';

describe(PacedRateLimiter.name, () => {
  it('should let a request start at once when idle and pace the following ones evenly', () => {
    let now = 0;
    const limiter = new PacedRateLimiter(4, 1000, () => now);

    expect([limiter.reserve(), limiter.reserve(), limiter.reserve()]).toEqual([0, 250, 500]);
    now = 600;
    expect(limiter.reserve()).toBe(150);
    now = 5000;
    expect(limiter.reserve()).toBe(0);
    expect(limiter.intervalMs).toBe(250);
  });

  it('should never allow more than `limit` starts in any window, however requests arrive', () => {
    let now = 0;
    const limiter = new PacedRateLimiter(5, 1000, () => now);
    const starts: number[] = [];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      now += random() < 0.5 ? 0 : Math.floor(random() * 400);
      starts.push(now + limiter.reserve());
    }

    starts.sort((a, b) => a - b);
    for (let i = 5; i < starts.length; i++) expect(starts[i] - starts[i - 5]).toBeGreaterThanOrEqual(1000);
  });

  it('should allow no more than `limit` in a second even right after a quiet spell (unlike a full bucket)', () => {
    let now = 0;
    const limiter = new PacedRateLimiter(15, 1000, () => now);
    now = 10_000; // a token bucket would now be full and could let 15 go, then refill 15 within the second
    const starts = Array.from({ length: 30 }, () => now + limiter.reserve());

    expect(starts.filter((t) => t < now + 1000)).toHaveLength(15);
    expect(starts.filter((t) => t >= now + 1000 && t < now + 2000)).toHaveLength(15);
  });

  it('should make callers wait in real time, first come first served', async () => {
    const limiter = new PacedRateLimiter(3, 200);
    const order: number[] = [];
    const times: number[] = [];
    const started = performance.now();

    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        limiter.acquire().then(() => {
          order.push(i);
          times.push(performance.now() - started);
        }),
      ),
    );

    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(times[3]).toBeGreaterThanOrEqual(195);
    expect(times[6]).toBeGreaterThanOrEqual(395);
    for (let i = 3; i < times.length; i++) expect(times[i] - times[i - 3]).toBeGreaterThanOrEqual(190);
  });

  it('should refuse a limit or window that is not positive', () => {
    expect(() => new PacedRateLimiter(0)).toThrow(RangeError);
    expect(() => new PacedRateLimiter(1.5)).toThrow(RangeError);
    expect(() => new PacedRateLimiter(5, 0)).toThrow(RangeError);
  });
});

import { SlidingWindowLog } from './sliding-window-log';

describe(SlidingWindowLog.name, () => {
  it('should count requests in flight and requests answered less than a window ago', () => {
    const log = new SlidingWindowLog(3, 1000);
    log.start();
    log.start();
    expect(log.used(0)).toBe(2);
    expect(log.inFlight).toBe(2);

    log.finish(100);
    expect(log.used(100)).toBe(2);
    expect(log.used(1099)).toBe(2);
    expect(log.used(1100)).toBe(1); // answered at 100: its place frees one window after the answer
    expect(log.inFlight).toBe(1);
  });

  it('should hold the place of a request that never answers until it finishes', () => {
    const log = new SlidingWindowLog(1, 1000);
    log.start();
    expect(log.used(60_000)).toBe(1);
    expect(log.nextExpiry(60_000)).toBeUndefined();
    log.finish(60_000);
    expect(log.nextExpiry(60_000)).toBe(61_000);
    expect(log.used(61_000)).toBe(0);
  });

  it('should say when the oldest finished place frees', () => {
    const log = new SlidingWindowLog(5, 1000);
    for (const at of [10, 20, 30]) {
      log.start();
      log.finish(at);
    }
    expect(log.nextExpiry(500)).toBe(1010);
    expect(log.nextExpiry(1015)).toBe(1020);
    expect(log.used(1015)).toBe(2);
  });

  it('should keep its memory bounded over many requests', () => {
    const log = new SlidingWindowLog(10, 1000);
    let most = 0;
    for (let t = 0; t < 50_000; t++) {
      log.start();
      log.finish(t);
      most = Math.max(most, log.used(t));
    }
    expect(most).toBe(1000);
    expect((log as unknown as { finished: number[] }).finished.length).toBeLessThan(5000);
  });

  it('should refuse a finish without a start, and a limit or window that is not positive', () => {
    expect(() => new SlidingWindowLog(1).finish(0)).toThrow();
    expect(() => new SlidingWindowLog(0)).toThrow(RangeError);
    expect(() => new SlidingWindowLog(1.5)).toThrow(RangeError);
    expect(() => new SlidingWindowLog(5, 0)).toThrow(RangeError);
  });
});

import { FakeClock } from '../common/clock/clock';
import { MemoryRateCounter } from '../role-store/memory-rate-counter';
import { AuthFailureThrottle } from './auth-failure-throttle';

describe(AuthFailureThrottle.name, () => {
  let clock: FakeClock;
  let throttle: AuthFailureThrottle;

  beforeEach(() => {
    clock = new FakeClock();
    throttle = new AuthFailureThrottle(new MemoryRateCounter(clock), clock, 10);
  });

  /** Fails `n` times from `address`: the decisions. */
  const failTimes = async (n: number, address = '192.0.2.1') => {
    const decisions = [];
    for (let i = 0; i < n; i++) decisions.push(await throttle.fail(address));
    return decisions;
  };

  it('should answer 401 to 10 failures a minute, then refuse the address (valid key or not) for a minute', async () => {
    const decisions = await failTimes(10);
    expect(decisions.map((d) => d.refusedForSeconds)).toEqual(Array(10).fill(0));
    expect(decisions.filter((d) => d.blockedNow)).toHaveLength(1);
    expect(throttle.refusedFor('192.0.2.1')).toBe(60);
    expect(throttle.refusedFor('192.0.2.2')).toBe(0);
    expect(await throttle.fail('192.0.2.1')).toEqual({ counted: false, refusedForSeconds: 60, blockedNow: false });
    clock.advance(60_000);
    expect(throttle.refusedFor('192.0.2.1')).toBe(0);
  });

  it('should double the block each time failures continue (backoff), up to 32 minutes', async () => {
    const blocks = [];
    for (let round = 0; round < 8; round++) {
      await failTimes(10);
      const seconds = throttle.refusedFor('192.0.2.1');
      blocks.push(seconds);
      clock.advance(seconds * 1000);
    }
    expect(blocks).toEqual([60, 120, 240, 480, 960, 1920, 1920, 1920]);
  });

  it('should start again at a minute in the next day of blocks', async () => {
    await failTimes(10);
    clock.advance(60_000);
    await failTimes(10);
    expect(throttle.refusedFor('192.0.2.1')).toBe(120);
    clock.advance(86_400_000);
    await failTimes(10);
    expect(throttle.refusedFor('192.0.2.1')).toBe(60);
  });

  it('should count failures in windows of a minute (9 a minute is never refused)', async () => {
    for (let minute = 0; minute < 5; minute++) {
      expect((await failTimes(9)).every((d) => d.refusedForSeconds === 0 && !d.blockedNow)).toBe(true);
      clock.advance(60_000);
    }
    expect(throttle.refusedFor('192.0.2.1')).toBe(0);
  });
});

import { EsrBudgetRule, fallbackLimit, laneCap, waitForPlace } from './esr-budget';
import { OwnPlaces } from './esr-budget-own-places';

const rule: EsrBudgetRule = { limit: 20, reservePercent: 20, windowMs: 1000, holdMs: 15_000, replicas: 3 };

describe('ESR budget decisions', () => {
  it('should let interactive calls fill the whole budget and the sync all but the reserve', () => {
    expect(laneCap('interactive', 20, 20)).toBe(20);
    expect(laneCap('sync', 20, 20)).toBe(16);
    expect(laneCap('sync', 6, 20)).toBe(4);
  });

  it('should give each pod the limit divided by the most replicas known while the shared window is away', () => {
    expect(fallbackLimit(20, 3, 0)).toBe(6);
    expect(fallbackLimit(20, 2, 5)).toBe(4);
    expect(fallbackLimit(15, 1, 1)).toBe(15);
    expect(fallbackLimit(2, 8, 0)).toBe(1);
  });

  it('should wait until enough places free for one more under the cap', () => {
    expect(waitForPlace([100, 200, 300], 4, 50)).toBe(0);
    expect(waitForPlace([100, 200, 300], 3, 50)).toBe(50);
    expect(waitForPlace([100, 200, 300], 2, 50)).toBe(150);
    expect(waitForPlace([50.2], 1, 50)).toBe(1);
  });
});

describe(OwnPlaces.name, () => {
  it('should report answers since the last take as the time left until their places free', () => {
    const own = new OwnPlaces();
    own.add('p:1', 0, true);
    own.add('p:2', 0, true);
    own.finish('p:1', 100);
    expect(own.corrections(300, rule)).toEqual([['p:1', 800]]);
    own.sent([['p:1', 800]]);
    expect(own.corrections(400, rule)).toEqual([]);
  });

  it('should report places taken while the shared window was away, held as long as an answer may take until answered', () => {
    const own = new OwnPlaces();
    own.add('p:1', 0, false);
    own.add('p:2', 0, false);
    own.finish('p:2', 200);
    expect(own.corrections(500, rule)).toEqual([
      ['p:1', 15_500],
      ['p:2', 700],
    ]);
    own.finish('p:2', 250); // a second finish changes nothing
    own.sent(own.corrections(500, rule));
    own.finish('p:1', 600);
    expect(own.corrections(700, rule)).toEqual([['p:1', 900]]);
  });

  it('should count the places it holds, in flight or answered less than a window ago, and forget those that freed', () => {
    const own = new OwnPlaces();
    own.add('p:1', 0, false);
    own.add('p:2', 0, true);
    own.add('p:3', 0, false);
    own.finish('p:1', 100);
    own.finish('p:2', 100);
    expect(own.freesAt(500, rule)).toEqual([1100, 1100, 1500]);
    own.prune(1200, rule);
    // p:1 freed (never in the shared window); p:2 freed but its removal has not reached it yet.
    expect(own.corrections(1200, rule)).toEqual([
      ['p:2', -100],
      ['p:3', 14_800],
    ]);
    expect(own.freesAt(1200, rule)).toEqual([2200]);
  });
});

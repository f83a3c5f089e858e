import { fullRunGuard } from './full-sync';

const settings = { percent: 10 };

describe(fullRunGuard.name, () => {
  it('should answer the removal guard when ESR left nothing out', () => {
    expect(fullRunGuard({ liveHolders: 100, listed: 99, removals: 1 }, 0, settings)).toEqual({ hold: false, reason: null });
    expect(fullRunGuard({ liveHolders: 100, listed: 0, removals: 100 }, 0, settings)).toEqual({ hold: true, reason: 'ZERO_LISTED' });
  });

  it('should hold any removals when ESR sent items that were left out, their rows would look removed', () => {
    expect(fullRunGuard({ liveHolders: 100, listed: 99, removals: 1 }, 1, settings)).toEqual({ hold: true, reason: null });
    expect(fullRunGuard({ liveHolders: 100, listed: 100, removals: 0 }, 3, settings)).toEqual({ hold: false, reason: null });
  });

  it('should keep the removal guard reason when it holds anyway', () => {
    expect(fullRunGuard({ liveHolders: 100, listed: 50, removals: 50 }, 2, settings)).toEqual({ hold: true, reason: 'OVER_PERCENT' });
  });
});

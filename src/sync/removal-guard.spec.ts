import { removalGuard } from './removal-guard';

describe('removalGuard', () => {
  const cases = [
    {
      name: 'nothing removed',
      input: { liveHolders: 100, listed: 100, removals: 0 },
      settings: { percent: 20 },
      hold: false,
      reason: null,
    },
    {
      name: 'exactly the share',
      input: { liveHolders: 100, listed: 80, removals: 20 },
      settings: { percent: 20 },
      hold: false,
      reason: null,
    },
    {
      name: 'more than the share',
      input: { liveHolders: 100, listed: 79, removals: 21 },
      settings: { percent: 20 },
      hold: true,
      reason: 'OVER_PERCENT',
    },
    {
      name: 'one of three (33%)',
      input: { liveHolders: 3, listed: 2, removals: 1 },
      settings: { percent: 20 },
      hold: true,
      reason: 'OVER_PERCENT',
    },
    {
      name: 'more than the count, under the share',
      input: { liveHolders: 1000, listed: 990, removals: 10 },
      settings: { percent: 20, count: 5 },
      hold: true,
      reason: 'OVER_COUNT',
    },
    {
      name: 'exactly the count',
      input: { liveHolders: 1000, listed: 995, removals: 5 },
      settings: { percent: 20, count: 5 },
      hold: false,
      reason: null,
    },
    {
      name: 'ESR lists nobody for a VPD that had holders',
      input: { liveHolders: 4, listed: 0, removals: 4 },
      settings: { percent: 100 },
      hold: true,
      reason: 'ZERO_LISTED',
    },
    {
      name: 'a first sync (nothing live)',
      input: { liveHolders: 0, listed: 0, removals: 0 },
      settings: { percent: 20 },
      hold: false,
      reason: null,
    },
    {
      name: 'percent 100 never holds by share',
      input: { liveHolders: 10, listed: 1, removals: 9 },
      settings: { percent: 100 },
      hold: false,
      reason: null,
    },
    {
      name: 'percent 0 holds any removal',
      input: { liveHolders: 1000, listed: 999, removals: 1 },
      settings: { percent: 0 },
      hold: true,
      reason: 'OVER_PERCENT',
    },
    {
      name: 'an incremental run removes 10 of 38 holders (26%)',
      input: { liveHolders: 38, listed: 28, removals: 10 },
      settings: { percent: 20 },
      hold: true,
      reason: 'OVER_PERCENT',
    },
    {
      name: 'one removal joins removals already waiting for a decision',
      input: { liveHolders: 1000, listed: 999, removals: 1, alreadyHeld: 12 },
      settings: { percent: 20 },
      hold: true,
      reason: 'ALREADY_HELD',
    },
    {
      name: 'removals are waiting but this run removes nothing',
      input: { liveHolders: 1000, listed: 1000, removals: 0, alreadyHeld: 12 },
      settings: { percent: 20 },
      hold: false,
      reason: null,
    },
  ];

  it.each(cases)('should decide hold=$hold when $name', ({ input, settings, hold, reason }) => {
    expect(removalGuard(input, settings)).toEqual({ hold, reason });
  });
});

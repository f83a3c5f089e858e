import { formatDuration, formatUkDate, formatUkDateTime, ukStartOfDay } from './uk-time';

describe(formatUkDateTime.name, () => {
  it.each([
    ['2026-11-25T10:12:00Z', '25 Nov 2026 at 10:12'],
    ['2026-03-29T00:59:00Z', '29 Mar 2026 at 00:59'],
    ['2026-03-29T01:00:00Z', '29 Mar 2026 at 02:00'],
    ['2026-10-25T00:59:00Z', '25 Oct 2026 at 01:59'],
    ['2026-10-25T01:00:00Z', '25 Oct 2026 at 01:00'],
    ['2026-09-05T10:00:00Z', '5 Sep 2026 at 11:00'],
    ['2028-02-29T23:30:00Z', '29 Feb 2028 at 23:30'],
    ['2026-06-30T23:00:00Z', '1 Jul 2026 at 00:00'],
  ])('should show %s as %s in UK time', (instant, expected) => {
    expect(formatUkDateTime(instant)).toBe(expected);
  });
});

describe(formatUkDate.name, () => {
  it('should show an ESR date without a time', () => {
    expect(formatUkDate('2026-11-30')).toBe('30 Nov 2026');
    expect(formatUkDate('2026-09-01')).toBe('1 Sep 2026');
  });
});

describe(ukStartOfDay.name, () => {
  it('should start a winter day at 00:00 UTC and a summer day at 23:00 UTC the day before', () => {
    expect(new Date(ukStartOfDay('2026-12-07')).toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(new Date(ukStartOfDay('2026-04-01')).toISOString()).toBe('2026-03-31T23:00:00.000Z');
  });
});

describe(formatDuration.name, () => {
  it.each([
    [24 * 3_600_000, '24 hours'],
    [48 * 3_600_000, '48 hours'],
    [3_600_000, '1 hour'],
    [90 * 60_000, '1 hour 30 minutes'],
    [60_000, '1 minute'],
    [45_000, '45 seconds'],
  ])('should phrase %d ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

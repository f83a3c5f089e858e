import { DateTime } from 'luxon';
import {
  formatDay,
  formatUkTimestamp,
  MS_PER_DAY,
  parseDay,
  parseTimestamp,
  ukClockChanges,
  ukDay,
  ukLocalToInstant,
  ukOffsetMinutes,
} from './sandbox.time';

describe(formatUkTimestamp.name, () => {
  it('should agree with luxon Europe/London across years and both clock changes', () => {
    const instants: number[] = [];
    for (let ms = Date.parse('2019-01-01T00:00:00Z'); ms < Date.parse('2031-01-01T00:00:00Z'); ms += 31 * 3_600_000 + 13 * 60_000 + 17_001)
      instants.push(ms);
    for (let year = 2019; year <= 2030; year++) {
      const { springForward, fallBack } = ukClockChanges(year);
      for (const change of [springForward, fallBack]) instants.push(change - 1, change, change + 30 * 60_000, change - 30 * 60_000);
    }
    const mismatches = instants.filter((ms) => {
      const luxon = DateTime.fromMillis(ms, { zone: 'Europe/London' });
      return formatUkTimestamp(ms) !== luxon.toISO() || ukOffsetMinutes(ms) !== luxon.offset || formatDay(ukDay(ms)) !== luxon.toISODate();
    });
    expect(mismatches).toEqual([]);
  });

  it('should switch exactly at 01:00 UTC on the 2026 clock-change days', () => {
    expect(ukClockChanges(2026)).toEqual({
      springForward: Date.parse('2026-03-29T01:00:00Z'),
      fallBack: Date.parse('2026-10-25T01:00:00Z'),
    });
    expect(formatUkTimestamp(Date.parse('2026-03-29T00:59:59.999Z'))).toBe('2026-03-29T00:59:59.999+00:00');
    expect(formatUkTimestamp(Date.parse('2026-03-29T01:00:00Z'))).toBe('2026-03-29T02:00:00.000+01:00');
    expect(formatUkTimestamp(Date.parse('2026-10-25T00:30:00Z'))).toBe('2026-10-25T01:30:00.000+01:00');
    expect(formatUkTimestamp(Date.parse('2026-10-25T01:30:00Z'))).toBe('2026-10-25T01:30:00.000+00:00');
  });

  it('should put late evening BST on the next UK day', () => {
    expect(formatDay(ukDay(Date.parse('2026-06-30T23:30:00Z')))).toBe('2026-07-01');
    expect(formatDay(ukDay(Date.parse('2026-12-31T23:30:00Z')))).toBe('2026-12-31');
  });
});

describe(ukLocalToInstant.name, () => {
  const day = (text: string): number => parseDay(text) as number;

  it('should convert UK wall-clock times, moving times in the spring gap forward and taking BST in the repeated hour', () => {
    expect(new Date(ukLocalToInstant(day('2026-07-01'), 10 * 60)).toISOString()).toBe('2026-07-01T09:00:00.000Z');
    expect(new Date(ukLocalToInstant(day('2026-12-01'), 10 * 60)).toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect(new Date(ukLocalToInstant(day('2026-03-29'), 90)).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(ukLocalToInstant(day('2026-10-25'), 90)).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(new Date(ukLocalToInstant(day('2026-10-25'), 120)).toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });
});

describe(parseDay.name, () => {
  it('should accept real dates only', () => {
    expect(parseDay('2024-02-29')).toBe(Date.parse('2024-02-29T00:00:00Z') / MS_PER_DAY);
    for (const bad of ['2025-02-29', '2026-13-01', '2026-1-01', '26-01-01', '2026-01-01T00:00:00Z', ''])
      expect(parseDay(bad)).toBeUndefined();
  });
});

describe(parseTimestamp.name, () => {
  it('should accept ISO-8601 timestamps with an offset only', () => {
    expect(parseTimestamp('2026-03-29T02:30:00+01:00')).toBe(Date.parse('2026-03-29T01:30:00Z'));
    expect(parseTimestamp('2026-03-29T01:30:00.123Z')).toBe(Date.parse('2026-03-29T01:30:00.123Z'));
    for (const bad of ['2026-03-29T02:30:00', '2026-03-29', '2026-02-30T00:00:00Z', '2026-03-29T25:00:00Z', 'yesterday'])
      expect(parseTimestamp(bad)).toBeUndefined();
  });
});

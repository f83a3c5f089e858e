/**
 * UK (Europe/London) calendar arithmetic for the sandbox's hot paths. Generating a page of 1,000
 * records formats thousands of dates and timestamps, so this avoids a time-zone library there; the
 * rules are the UK's since 1996 (BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on
 * the last Sunday of October), and the unit spec checks them against luxon's Europe/London.
 *
 * A "day" is a whole number of days since 1970-01-01, used for UK local dates.
 */

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

const summerTimeByYear = new Map<number, readonly [number, number]>();

/** Instant (ms) of 01:00 UTC on the last Sunday of the given month (0-based) of a year. */
function lastSundayAtOneUtc(year: number, month: number): number {
  const lastDay = Date.UTC(year, month + 1, 0);
  const weekday = new Date(lastDay).getUTCDay();
  return lastDay - weekday * MS_PER_DAY + MS_PER_HOUR;
}

/** The instants at which BST starts and ends in a year. */
export function ukClockChanges(year: number): { springForward: number; fallBack: number } {
  let bounds = summerTimeByYear.get(year);
  if (!bounds) {
    bounds = [lastSundayAtOneUtc(year, 2), lastSundayAtOneUtc(year, 9)];
    summerTimeByYear.set(year, bounds);
  }
  return { springForward: bounds[0], fallBack: bounds[1] };
}

/** UK offset from UTC at an instant, in minutes (0 or 60). */
export function ukOffsetMinutes(ms: number): number {
  const { springForward, fallBack } = ukClockChanges(new Date(ms).getUTCFullYear());
  return ms >= springForward && ms < fallBack ? 60 : 0;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

const dayTexts = new Map<number, string>();
const DAY_TEXT_CACHE_LIMIT = 100_000;

/** YYYY-MM-DD of a day number (memoised: listings format the same few thousand days over and over). */
export function formatDay(day: number): string {
  let text = dayTexts.get(day);
  if (text === undefined) {
    const d = new Date(day * MS_PER_DAY);
    text = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    if (dayTexts.size >= DAY_TEXT_CACHE_LIMIT) dayTexts.clear();
    dayTexts.set(day, text);
  }
  return text;
}

/** Day number of a YYYY-MM-DD string, or undefined if it is not a real calendar date. */
export function parseDay(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, date);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date) return undefined;
  return ms / MS_PER_DAY;
}

/** The UK local date (day number) of an instant. */
export function ukDay(ms: number): number {
  return Math.floor((ms + ukOffsetMinutes(ms) * MS_PER_MINUTE) / MS_PER_DAY);
}

/**
 * The instant of a UK local wall-clock time. Times that do not exist (inside the spring gap) move
 * forward by the gap; ambiguous times (the repeated autumn hour) resolve to the first (BST) one.
 */
export function ukLocalToInstant(day: number, minuteOfDay: number): number {
  const wall = day * MS_PER_DAY + minuteOfDay * MS_PER_MINUTE;
  const summer = wall - 60 * MS_PER_MINUTE;
  if (ukOffsetMinutes(summer) === 60) return summer;
  return wall;
}

/** ISO-8601 timestamp with the UK offset of that instant, e.g. 2026-03-29T02:30:00.000+01:00. */
export function formatUkTimestamp(ms: number): string {
  const offset = ukOffsetMinutes(ms);
  const d = new Date(ms + offset * MS_PER_MINUTE);
  return (
    `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}` +
    `T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}` +
    (offset === 60 ? '+01:00' : '+00:00')
  );
}

/**
 * Parses an ISO-8601 timestamp that carries an offset (`Z` or `±hh:mm`). Returns the instant, or
 * undefined for anything else (timestamps without an offset are ambiguous, so they are refused).
 */
export function parseTimestamp(text: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match || parseDay(match[1]) === undefined) return undefined;
  const [hours, minutes, seconds] = [Number(match[2]), Number(match[3]), Number(match[4] ?? '0')];
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

import { DateTime } from 'luxon';

/** People in the NHS read times in UK local time. */
export const UK_ZONE = 'Europe/London';

// Fixed English month abbreviations: ICU's en-GB "MMM" gives "Sept", which the NHS guidance does not use.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const dateTimes = new Map<number, string>();
const DATE_TIME_CACHE_LIMIT = 50_000;

/**
 * "25 Nov 2026 at 10:12": an instant in UK local time (GMT or BST as in force then). Access answers
 * format the same few instants (role windows, sync times) on every request and time-zone arithmetic
 * is slow, so results are memoised by minute (bounded).
 */
export function formatUkDateTime(instant: number | string | Date): string {
  const ms = typeof instant === 'number' ? instant : typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  const minute = Math.floor(ms / 60_000);
  let text = dateTimes.get(minute);
  if (text !== undefined) return text;
  const dt = toUk(ms);
  text = `${dt.day} ${MONTHS[dt.month - 1]} ${dt.year} at ${dt.toFormat('HH:mm')}`;
  if (dateTimes.size >= DATE_TIME_CACHE_LIMIT) dateTimes.clear();
  dateTimes.set(minute, text);
  return text;
}

/** "30 Nov 2026": an ESR date (YYYY-MM-DD, already a UK local date). */
export function formatUkDate(date: string): string {
  const match = CALENDAR_DATE.exec(date) && ukDay(date);
  if (!match) return date;
  const [year, month, day] = date.split('-').map(Number);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
const dayStarts = new Map<string, UkDay>();
const DAY_CACHE_LIMIT = 20_000;

/** The instants (ms) a UK calendar day starts and the next one starts. */
export interface UkDay {
  start: number;
  next: number;
}

/**
 * The UK day of an ESR date (YYYY-MM-DD), or undefined when it is not a calendar date. A sync converts
 * the same few thousand dates again and again and time-zone arithmetic is slow, so results are
 * memoised (bounded).
 */
export function ukDay(date: string): UkDay | undefined {
  let day = dayStarts.get(date);
  if (day) return day;
  if (!CALENDAR_DATE.test(date)) return undefined;
  const start = DateTime.fromISO(date, { zone: UK_ZONE });
  if (!start.isValid) return undefined;
  day = { start: start.startOf('day').toMillis(), next: start.plus({ days: 1 }).startOf('day').toMillis() };
  if (dayStarts.size >= DAY_CACHE_LIMIT) dayStarts.clear();
  dayStarts.set(date, day);
  return day;
}

/** The instant 00:00 UK time starts on an ESR date, or NaN when the date is not valid. */
export function ukStartOfDay(date: string): number {
  return ukDay(date)?.start ?? Number.NaN;
}

/** "24 hours", "1 hour 30 minutes", "45 seconds": a configured duration, in hours rather than days. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0 minutes';
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (hours) parts.push(part(hours, 'hour'));
  if (minutes) parts.push(part(minutes, 'minute'));
  if (seconds || parts.length === 0) parts.push(part(seconds, 'second'));
  return parts.join(' ');
}

function toUk(instant: number | string | Date): DateTime {
  const ms = typeof instant === 'number' ? instant : typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return DateTime.fromMillis(ms, { zone: UK_ZONE });
}

import { Duration } from 'luxon';

/** Parses an ISO-8601 duration such as `PT24H` or `P1DT2H` into milliseconds; null when invalid. */
const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

export function parseIsoDuration(value: string): number | null {
  if (!ISO_DURATION.test(value)) return null;
  const duration = Duration.fromISO(value);
  if (!duration.isValid) return null;
  const ms = duration.as('milliseconds');
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

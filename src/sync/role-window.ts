import { DateTime } from 'luxon';
import { ukDay as ukCalendarDay } from '../domain/uk-time';
import type { EsrRoleAssignment, EsrRoleChange } from '../esr/esr.types';
import type { CachedRole } from '../role-store/role.types';
import type { CachedRoleChange } from '../role-store/sync-records.types';

/** Start of a UK date (ms), and of the day after it; a RangeError when it is not a calendar date. */
function ukDay(date: string): { start: number; next: number } {
  const day = ukCalendarDay(date);
  if (!day) throw new RangeError(`not a calendar date: ${date}`);
  return day;
}

/** An ISO-8601 timestamp with offset, as epoch ms. */
function instant(timestamp: string): number {
  const native = Date.parse(timestamp);
  if (!Number.isNaN(native) && /(Z|[+-]\d{2}:\d{2})$/.test(timestamp)) return native;
  const at = DateTime.fromISO(timestamp, { setZone: true });
  if (!at.isValid) throw new RangeError(`not an ISO-8601 timestamp: ${timestamp}`);
  return at.toMillis();
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * When an assignment starts to count: the later of (createdAt + activation delay) and the start of
 * effectiveStartDate in UK time. The delay is elapsed time (PT24H is 24 real hours, also across a
 * clock change). Returns an ISO-8601 UTC instant.
 */
export function effectiveFrom(createdAt: string, effectiveStartDate: string, activationDelayMs: number): string {
  return iso(Math.max(instant(createdAt) + activationDelayMs, ukDay(effectiveStartDate).start));
}

/**
 * When an assignment stops counting: the start of the day after effectiveEndDate in UK time (the end
 * date is inclusive), or null when open-ended. Returns an ISO-8601 UTC instant.
 */
export function effectiveUntil(effectiveEndDate: string | null): string | null {
  if (effectiveEndDate === null) return null;
  return iso(ukDay(effectiveEndDate).next);
}

/** The cache row of one ESR assignment: its window computed once, instants in UTC. */
export function toCachedRole(assignment: EsrRoleAssignment, activationDelayMs: number): CachedRole {
  return {
    assignmentId: assignment.assignmentId,
    employeeNumber: assignment.employeeNumber,
    assignedAt: iso(instant(assignment.createdAt)),
    startDate: assignment.effectiveStartDate,
    endDate: assignment.effectiveEndDate,
    effectiveFrom: effectiveFrom(assignment.createdAt, assignment.effectiveStartDate, activationDelayMs),
    effectiveUntil: effectiveUntil(assignment.effectiveEndDate),
    personActive: assignment.personActive,
    lastUpdatedAt: iso(instant(assignment.lastUpdatedAt)),
    ...(assignment.displayName === null ? {} : { displayName: assignment.displayName }),
  };
}

/** One change of ESR's incremental feed as the store applies it (window computed once). */
export function toCachedRoleChange(change: EsrRoleChange, activationDelayMs: number): CachedRoleChange {
  return change.op === 'delete'
    ? { op: 'delete', assignmentId: change.assignmentId }
    : { op: 'upsert', role: toCachedRole(change.assignment, activationDelayMs) };
}

import type { CachedRole } from './role.types';

/**
 * The compact form of a cached role as both stores keep it (and as the Redis Lua scripts read it):
 * [assignmentId, employeeNumber, assignedAt, startDate, endDate, effectiveFrom, effectiveUntil,
 *  personActive, lastUpdatedAt, effectiveFromMs, effectiveUntilMs, displayName?]. Positions 2-8 and
 * 12 are the role's material content (what "updated" compares); 9 orders versions; 10-11 feed the count
 * indexes; 12 (1-based, as Lua counts) is the holder's name, left off when ESR sent none, so a row
 * without a name is as compact as before names were kept, and rows stored then read back the same.
 */
export type StoredRole =
  | [string, string, string, string, string | null, string, string | null, boolean, string | null, number, number | null]
  | [string, string, string, string, string | null, string, string | null, boolean, string | null, number, number | null, string];

export function toStoredRole(role: CachedRole): StoredRole {
  const row: StoredRole = [
    role.assignmentId,
    role.employeeNumber,
    role.assignedAt,
    role.startDate,
    role.endDate,
    role.effectiveFrom,
    role.effectiveUntil,
    role.personActive,
    role.lastUpdatedAt ?? null,
    Date.parse(role.effectiveFrom),
    role.effectiveUntil === null ? null : Date.parse(role.effectiveUntil),
  ];
  return role.displayName === undefined ? row : [...row, role.displayName];
}

export function fromStoredRole(row: StoredRole): CachedRole {
  const role: CachedRole = {
    assignmentId: row[0],
    employeeNumber: row[1],
    assignedAt: row[2],
    startDate: row[3],
    endDate: row[4],
    effectiveFrom: row[5],
    effectiveUntil: row[6],
    personActive: row[7],
  };
  if (row[8] !== null) role.lastUpdatedAt = row[8];
  if (row.length > 11 && typeof row[11] === 'string') role.displayName = row[11];
  return role;
}

export const encodeRole = (role: CachedRole): string => JSON.stringify(toStoredRole(role));

/** Decodes one person's stored row list (a JSON array of StoredRole). */
export const decodeRoles = (raw: string): CachedRole[] => (JSON.parse(raw) as StoredRole[]).map(fromStoredRole);

/** Same material content (everything but lastUpdatedAt; the name included): an upsert that changes nothing is not an update. */
export function sameRole(a: CachedRole, b: CachedRole): boolean {
  return (
    a.employeeNumber === b.employeeNumber &&
    a.assignedAt === b.assignedAt &&
    a.startDate === b.startDate &&
    a.endDate === b.endDate &&
    a.effectiveFrom === b.effectiveFrom &&
    a.effectiveUntil === b.effectiveUntil &&
    a.personActive === b.personActive &&
    a.displayName === b.displayName
  );
}

/** True when `candidate` is an older version than `current` (by ESR lastUpdatedAt). */
export function olderThan(candidate: CachedRole, current: CachedRole): boolean {
  return candidate.lastUpdatedAt !== undefined && current.lastUpdatedAt !== undefined && candidate.lastUpdatedAt < current.lastUpdatedAt;
}

/** The role can count at some instant: an active person and a non-empty window. */
export function eligibleRole(role: CachedRole): boolean {
  return role.personActive && (role.effectiveUntil === null || Date.parse(role.effectiveUntil) > Date.parse(role.effectiveFrom));
}

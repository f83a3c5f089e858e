import type { CachedRole } from './role.types';

/**
 * The compact form of a cached role as both stores keep it (and as the Redis Lua scripts read it):
 * [assignmentId, employeeNumber, assignedAt, startDate, endDate, effectiveFrom, effectiveUntil,
 *  personActive, lastUpdatedAt, effectiveFromMs, effectiveUntilMs]. Positions 2-8 are the role's
 * material content (what "updated" compares); 9 orders versions; 10-11 feed the count indexes.
 */
export type StoredRole = [
  string,
  string,
  string,
  string,
  string | null,
  string,
  string | null,
  boolean,
  string | null,
  number,
  number | null,
];

export function toStoredRole(role: CachedRole): StoredRole {
  return [
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
  return role;
}

export const encodeRole = (role: CachedRole): string => JSON.stringify(toStoredRole(role));

/** Decodes one person's stored row list (a JSON array of StoredRole). */
export const decodeRoles = (raw: string): CachedRole[] => (JSON.parse(raw) as StoredRole[]).map(fromStoredRole);

/** Same material content (everything but lastUpdatedAt): an upsert that changes nothing is not an update. */
export function sameRole(a: CachedRole, b: CachedRole): boolean {
  return (
    a.employeeNumber === b.employeeNumber &&
    a.assignedAt === b.assignedAt &&
    a.startDate === b.startDate &&
    a.endDate === b.endDate &&
    a.effectiveFrom === b.effectiveFrom &&
    a.effectiveUntil === b.effectiveUntil &&
    a.personActive === b.personActive
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

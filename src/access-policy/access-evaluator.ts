import type { AccessSnapshot, CachedRole, RecordKey, VpdSnapshot } from '../role-store/role.types';
import { recordKey } from '../role-store/role.types';
import { AccessReasons } from './access-reasons';
import type { AccessDecision, AccessState, MappedRecord, MappingAccess, UserAccess } from '../domain/access.types';
import { ukStartOfDay } from '../domain/uk-time';

/** What access resolution needs from the configuration. */
export interface AccessPolicy {
  /** ESR_ROLE_NAME. */
  roleName: string;
  /** ACTIVATION_DELAY in milliseconds. */
  activationDelayMs: number;
  /** ACCESS_MAX_STALENESS in milliseconds. */
  maxStalenessMs: number;
  /** ESR_VPDS; undefined when the gateway serves every VPD ESR lists. */
  servedVpds?: readonly string[];
  /**
   * With ESR_VPDS unset: the VPDs the sync has seen ESR list; a VPD outside it is one ESR does not
   * list. Undefined (or empty) when not known yet.
   */
  listedVpds?: ReadonlySet<string>;
  /** SUPPORT_CONTACT: appended to reasons a person cannot act on themselves. */
  supportContact?: string;
}

/** A mapped record to evaluate: the key, plus what ESR checks found (absent: treated as verified). */
export type EvaluatedRecord = RecordKey & Partial<Pick<MappedRecord, 'verified' | 'esrStatus'>>;

/** States a person cannot change themselves (sync problems, VPDs): SUPPORT_CONTACT is added to their reasons. */
const NEEDS_SUPPORT: ReadonlySet<AccessState> = new Set(['NOT_SYNCED', 'STALE']);

interface Window {
  from: number;
  /** Exclusive; Infinity when open-ended. */
  until: number;
  role: CachedRole;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number): string | null => (Number.isFinite(ms) ? iso(ms) : null);

function windowsOf(roles: CachedRole[]): Window[] {
  const windows: Window[] = [];
  for (const role of roles) {
    const from = Date.parse(role.effectiveFrom);
    const until = role.effectiveUntil === null ? Number.POSITIVE_INFINITY : Date.parse(role.effectiveUntil);
    // A window that ends before it starts (e.g. end-dated before the activation delay ran out) never grants access.
    if (!Number.isNaN(from) && !Number.isNaN(until) && until > from) windows.push({ from, until, role });
  }
  return windows;
}

/**
 * The continuous stretch of access that contains `seed`: windows that overlap or touch it are
 * merged, so a role re-assigned before the old one ended reads as one stretch. Returns its bounds
 * and the window that sets its end.
 */
function stretch(seed: Window, windows: Window[]): { from: number; until: number; last: Window } {
  let from = seed.from;
  let until = seed.until;
  let last = seed;
  for (let changed = true; changed;) {
    changed = false;
    for (const w of windows) {
      if (w.from <= until && w.until > until) {
        until = w.until;
        last = w;
        changed = true;
      }
      if (w.until >= from && w.from < from) {
        from = w.from;
        changed = true;
      }
    }
  }
  return { from, until, last };
}

function result(
  key: RecordKey,
  state: AccessState,
  reason: string,
  vpd: VpdSnapshot | undefined,
  from: number = Number.NaN,
  until: number = Number.NaN,
): MappingAccess {
  return {
    vpd: key.vpd,
    employeeNumber: key.employeeNumber,
    state,
    effectiveFrom: isoOrNull(from),
    effectiveUntil: isoOrNull(until),
    reason,
    lastSyncedAt: vpd?.lastSuccessAt ?? null,
    verified: true,
  };
}

/** Adds what applies to every state: the unverified note and SUPPORT_CONTACT. */
function finish(access: MappingAccess, record: EvaluatedRecord, policy: AccessPolicy): MappingAccess {
  const verified = record.verified ?? true;
  let reason = access.reason;
  if (!verified && record.esrStatus !== 'NOT_FOUND' && access.state !== 'ACTIVE')
    reason = `${reason} ${AccessReasons.unverified(record.vpd, record.employeeNumber)}`;
  if (policy.supportContact && NEEDS_SUPPORT.has(access.state)) reason = `${reason} ${policy.supportContact}`;
  return { ...access, reason, verified };
}

/** True when the window's start is set by the role's start date rather than the activation delay. */
function startsOnStartDate(w: Window, delayMs: number): boolean {
  const assignedAt = Date.parse(w.role.assignedAt);
  return w.from === ukStartOfDay(w.role.startDate) && w.from > assignedAt + delayMs;
}

/**
 * The access state of one mapped ESR record, with its window and reason sentence (see AccessState
 * for the precedence). Pure: everything comes from the cache snapshot, the clock and the policy.
 */
export function evaluateMapping(key: EvaluatedRecord, snapshot: AccessSnapshot, now: number, policy: AccessPolicy): MappingAccess {
  return finish(evaluateState(key, snapshot, now, policy), key, policy);
}

function evaluateState(key: EvaluatedRecord, snapshot: AccessSnapshot, now: number, policy: AccessPolicy): MappingAccess {
  const role = policy.roleName;
  const vpd = snapshot.vpds.get(key.vpd);
  if (policy.servedVpds && !policy.servedVpds.includes(key.vpd)) return result(key, 'NOT_SYNCED', AccessReasons.notServed(key.vpd), vpd);
  const roles = snapshot.roles.get(recordKey(key.vpd, key.employeeNumber)) ?? [];
  if (key.esrStatus === 'NOT_FOUND' && roles.length === 0)
    return result(key, 'NOT_FOUND_IN_ESR', AccessReasons.notFoundInEsr(key.vpd, key.employeeNumber), vpd);
  // ESR confirmed a record in this VPD: ESR lists it, it is just not synced yet. Otherwise, a VPD no sync has found is most likely wrong.
  if (!vpd && key.verified === false && !policy.servedVpds && policy.listedVpds?.size && !policy.listedVpds.has(key.vpd))
    return result(key, 'NOT_SYNCED', AccessReasons.notListed(key.vpd), vpd);
  const lastSuccess = vpd?.lastSuccessAt ? Date.parse(vpd.lastSuccessAt) : Number.NaN;
  if (!vpd || Number.isNaN(lastSuccess)) return result(key, 'NOT_SYNCED', AccessReasons.notSynced(role, key.vpd), vpd);
  if (now - lastSuccess > policy.maxStalenessMs)
    return result(key, 'STALE', AccessReasons.stale(key.vpd, lastSuccess, policy.maxStalenessMs), vpd);

  if (roles.length > 0 && !roles.some((r) => r.personActive))
    return result(key, 'RECORD_INACTIVE', AccessReasons.recordInactive(role, key.vpd, key.employeeNumber), vpd);

  const windows = windowsOf(roles.filter((r) => r.personActive));
  const current = windows.find((w) => w.from <= now && now < w.until);
  if (current) {
    const s = stretch(current, windows);
    const reason = Number.isFinite(s.until)
      ? AccessReasons.activeUntil(role, s.last.role.endDate, s.until)
      : AccessReasons.activeOpenEnded(role, s.from);
    return result(key, 'ACTIVE', reason, vpd, s.from, s.until);
  }

  const future = windows.filter((w) => w.from > now).sort((a, b) => a.from - b.from)[0];
  if (future) {
    const s = stretch(
      future,
      windows.filter((w) => w.from > now),
    );
    const assignedAt = Date.parse(future.role.assignedAt);
    const reason = startsOnStartDate(future, policy.activationDelayMs)
      ? AccessReasons.pendingStartDate(role, assignedAt, future.role.startDate, future.from)
      : AccessReasons.pendingDelay(role, assignedAt, future.from - assignedAt, future.from);
    return result(key, 'PENDING_ACTIVATION', reason, vpd, future.from, s.until);
  }

  const past = windows.filter((w) => w.until <= now).sort((a, b) => b.until - a.until)[0];
  if (past) {
    const s = stretch(past, windows);
    return result(key, 'NO_ROLE', AccessReasons.ended(role, s.last.role.endDate, s.until), vpd, s.from, s.until);
  }
  return result(key, 'NO_ROLE', AccessReasons.noRole(role, key.vpd, key.employeeNumber, lastSuccess, policy.activationDelayMs), vpd);
}

/** Earliest effectiveFrom/effectiveUntil after `now` among the mappings, or null. */
export function nextChangeAt(mappings: MappingAccess[], now: number): string | null {
  let next = Number.POSITIVE_INFINITY;
  for (const m of mappings) {
    for (const at of [m.effectiveFrom, m.effectiveUntil]) {
      const ms = at ? Date.parse(at) : Number.NaN;
      if (ms > now && ms < next) next = ms;
    }
  }
  return isoOrNull(next);
}

/** The access object for one user from their mapped records (in the order given) and a cache snapshot. */
export function buildUserAccess(
  portalUserId: string,
  records: EvaluatedRecord[],
  snapshot: AccessSnapshot,
  now: number,
  policy: AccessPolicy,
): UserAccess {
  const mappings = records.map((key) => evaluateMapping(key, snapshot, now, policy));
  const enabledVpds = [...new Set(mappings.filter((m) => m.state === 'ACTIVE').map((m) => m.vpd))].sort();
  const access: UserAccess = {
    portalUserId,
    searchEnabled: enabledVpds.length > 0,
    enabledVpds,
    asOf: iso(now),
    nextChangeAt: nextChangeAt(mappings, now),
    mappings,
  };
  if (mappings.length === 0) access.reason = AccessReasons.noMappings();
  return access;
}

/**
 * Instant after which a cached copy of this answer may be wrong even without new ESR data: the next
 * change of a window, or the moment a VPD's data becomes STALE. Null when neither is ahead.
 */
export function validUntil(access: UserAccess, now: number, maxStalenessMs: number): number | null {
  let until = access.nextChangeAt ? Date.parse(access.nextChangeAt) : Number.POSITIVE_INFINITY;
  for (const m of access.mappings) {
    if (m.state === 'STALE' || m.state === 'NOT_SYNCED' || !m.lastSyncedAt) continue;
    const staleAt = Date.parse(m.lastSyncedAt) + maxStalenessMs;
    if (staleAt > now && staleAt < until) until = staleAt;
  }
  return Number.isFinite(until) ? until : null;
}

const STATE_RANK: Record<AccessState, number> = {
  ACTIVE: 0,
  PENDING_ACTIVATION: 1,
  STALE: 2,
  RECORD_INACTIVE: 3,
  NO_ROLE: 4,
  NOT_FOUND_IN_ESR: 5,
  NOT_SYNCED: 6,
};

/**
 * Whether the user may search ESR in `vpd`: allowed when a mapping in that VPD is ACTIVE. Otherwise
 * the reason of the most telling mapping there (pending before stale before inactive before no role),
 * or a sentence saying no record in that VPD is mapped to the user.
 */
export function decideForVpd(access: UserAccess, vpd: string): AccessDecision {
  const inVpd = access.mappings.filter((m) => m.vpd === vpd).sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state]);
  const mapping = inVpd[0] ?? null;
  return {
    allowed: mapping?.state === 'ACTIVE',
    mapping,
    state: mapping?.state ?? null,
    reason: mapping?.reason ?? AccessReasons.notMapped(vpd),
    access,
  };
}

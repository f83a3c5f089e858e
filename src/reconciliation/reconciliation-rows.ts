import { evaluateMapping, type AccessPolicy } from '../access-policy/access-evaluator';
import { AccessReasons } from '../access-policy/access-reasons';
import type { AccessSnapshot, CachedRole } from '../role-store/role.types';
import { recordKey } from '../role-store/role.types';
import { toCsv as writeCsv } from '../common/csv/csv-writer';
import type { EsrMapping } from '../database/esr-mapping.entity';

export const RECONCILIATION_KINDS = ['UNMAPPED_HOLDER', 'NO_ROLE', 'INACTIVE', 'PENDING', 'UNVERIFIED'] as const;
export type ReconciliationKind = (typeof RECONCILIATION_KINDS)[number];

export interface ReconciliationItem {
  kind: ReconciliationKind;
  vpd: string;
  employeeNumber: string;
  portalUserId: string | null;
  displayName: string | null;
  effectiveFrom: string | null;
  reason: string;
}

export interface ReconciliationCounts {
  unmappedHolders: number;
  noRole: number;
  inactive: number;
  pending: number;
  unverified: number;
  active: number;
}

const COUNT_OF: Record<ReconciliationKind, keyof ReconciliationCounts> = {
  UNMAPPED_HOLDER: 'unmappedHolders',
  NO_ROLE: 'noRole',
  INACTIVE: 'inactive',
  PENDING: 'pending',
  UNVERIFIED: 'unverified',
};

/** Start of the earliest window of an active person's role that has not ended (now or ahead), or null. */
function holdingFrom(roles: CachedRole[], now: number): number | null {
  let from: number | null = null;
  for (const role of roles) {
    if (!role.personActive) continue;
    const start = Date.parse(role.effectiveFrom);
    const until = role.effectiveUntil === null ? Number.POSITIVE_INFINITY : Date.parse(role.effectiveUntil);
    if (until <= start || until <= now) continue;
    if (from === null || start < from) from = start;
  }
  return from;
}

/** The holder's name as the synced role data has it (the latest row that carries one), or null when ESR sent none. */
export function holderName(roles: CachedRole[]): string | null {
  let name: string | null = null;
  let latest = '';
  for (const role of roles) {
    if (role.displayName === undefined) continue;
    const at = role.lastUpdatedAt ?? '';
    if (name === null || at > latest) [name, latest] = [role.displayName, at];
  }
  return name;
}

/**
 * The LSA's to-do list for one VPD (pure): role holders with no mapping, and mappings whose record
 * has no role, is inactive, is pending, or is not confirmed in ESR. Mappings are judged exactly as
 * the access endpoint judges them. Sorted by kind, then employee number, then portal user.
 */
export function reconcile(
  vpd: string,
  holders: ReadonlyMap<string, CachedRole[]>,
  mappings: EsrMapping[],
  snapshot: AccessSnapshot,
  now: number,
  policy: AccessPolicy,
): { items: ReconciliationItem[]; counts: ReconciliationCounts } {
  const items: ReconciliationItem[] = [];
  const counts: ReconciliationCounts = { unmappedHolders: 0, noRole: 0, inactive: 0, pending: 0, unverified: 0, active: 0 };
  const mapped = new Set(mappings.map((m) => m.employeeNumber));
  const add = (item: ReconciliationItem) => {
    items.push(item);
    counts[COUNT_OF[item.kind]]++;
  };

  for (const [employeeNumber, roles] of holders) {
    if (mapped.has(employeeNumber)) continue;
    const from = holdingFrom(roles, now);
    if (from === null) continue;
    add({
      kind: 'UNMAPPED_HOLDER',
      vpd,
      employeeNumber,
      portalUserId: null,
      displayName: holderName(roles),
      effectiveFrom: new Date(from).toISOString(),
      reason: AccessReasons.unmappedHolder(policy.roleName, vpd, employeeNumber, from, now),
    });
  }

  for (const m of mappings) {
    const access = evaluateMapping(m, snapshot, now, policy);
    const displayName = m.displayName ?? holderName(snapshot.roles.get(recordKey(vpd, m.employeeNumber)) ?? []);
    const base = { vpd, employeeNumber: m.employeeNumber, portalUserId: m.portalUserId, displayName };
    if (access.state === 'ACTIVE') counts.active++;
    else if (access.state === 'NO_ROLE' || access.state === 'NOT_FOUND_IN_ESR')
      add({ kind: 'NO_ROLE', ...base, effectiveFrom: null, reason: access.reason });
    else if (access.state === 'RECORD_INACTIVE') add({ kind: 'INACTIVE', ...base, effectiveFrom: null, reason: access.reason });
    else if (access.state === 'PENDING_ACTIVATION')
      add({ kind: 'PENDING', ...base, effectiveFrom: access.effectiveFrom, reason: access.reason });
    if (!m.verified) {
      const reason =
        m.esrStatus === 'NOT_FOUND' ? AccessReasons.notFoundInEsr(vpd, m.employeeNumber) : AccessReasons.unverified(vpd, m.employeeNumber);
      add({ kind: 'UNVERIFIED', ...base, effectiveFrom: null, reason });
    }
  }
  const rank = (k: ReconciliationKind) => RECONCILIATION_KINDS.indexOf(k);
  items.sort(
    (a, b) =>
      rank(a.kind) - rank(b.kind) ||
      a.employeeNumber.localeCompare(b.employeeNumber) ||
      (a.portalUserId ?? '').localeCompare(b.portalUserId ?? ''),
  );
  return { items, counts };
}

/** Position of an item in the sort order, as compared by cursors. */
export const itemKey = (i: Pick<ReconciliationItem, 'kind' | 'employeeNumber' | 'portalUserId'>): [number, string, string] => [
  RECONCILIATION_KINDS.indexOf(i.kind),
  i.employeeNumber,
  i.portalUserId ?? '',
];

export function compareKeys(a: [number, string, string], b: [number, string, string]): number {
  return a[0] - b[0] || a[1].localeCompare(b[1]) || a[2].localeCompare(b[2]);
}

const CSV_COLUMNS = ['kind', 'vpd', 'employeeNumber', 'portalUserId', 'displayName', 'effectiveFrom', 'reason'] as const;

/** RFC 4180 CSV with a header line, formulas neutralised (the shared writer, src/common/csv/csv-writer.ts). */
export function toCsv(items: ReconciliationItem[]): string {
  return writeCsv(CSV_COLUMNS, items);
}

export const recordOf = (vpd: string, employeeNumber: string) => recordKey(vpd, employeeNumber);

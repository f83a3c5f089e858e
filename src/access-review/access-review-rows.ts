import { evaluateMapping, type AccessPolicy } from '../access-policy/access-evaluator';
import type { EsrMapping } from '../database/esr-mapping.entity';
import type { AccessState } from '../domain/access.types';
import { toCsv } from '../common/csv/csv-writer';
import type { AccessSnapshot } from '../role-store/role.types';

/** One mapping of a VPD as an information-governance access review lists it. Instants are ISO-8601 UTC. */
export interface AccessReviewItem {
  portalUserId: string;
  employeeNumber: string;
  /** The name ESR holds for the record (from the last person look-up); null when not known. */
  displayName: string | null;
  /** The mapping's state, exactly as the access endpoint answers it. */
  state: AccessState;
  /** ACTIVE: since when Search ESR has been on; PENDING_ACTIVATION: from when it will be; null otherwise. */
  since: string | null;
  createdBy: string;
  createdAt: string;
  /** When ESR last confirmed the record (a person look-up); null when never. */
  lastVerifiedAt: string | null;
}

/** Where a row stands in the review's order (portal user, then employee number): what cursors name. */
export type ReviewKey = [string, string];

const SINCE_STATES: ReadonlySet<AccessState> = new Set(['ACTIVE', 'PENDING_ACTIVATION']);

const iso = (at: Date | string | null): string | null => (at === null ? null : new Date(at).toISOString());

/**
 * The access review of one VPD (pure): every mapping, judged exactly as the access endpoint judges it
 * (same snapshot, clock and policy). Sorted by portal user, then employee number.
 */
export function reviewRows(mappings: EsrMapping[], snapshot: AccessSnapshot, now: number, policy: AccessPolicy): AccessReviewItem[] {
  const rows = mappings.map((m): AccessReviewItem => {
    const access = evaluateMapping(m, snapshot, now, policy);
    return {
      portalUserId: m.portalUserId,
      employeeNumber: m.employeeNumber,
      displayName: m.displayName,
      state: access.state,
      since: SINCE_STATES.has(access.state) ? access.effectiveFrom : null,
      createdBy: m.createdBy,
      createdAt: iso(m.createdAt) as string,
      lastVerifiedAt: iso(m.verifiedAt),
    };
  });
  return rows.sort((a, b) => compareReviewKeys(reviewKey(a), reviewKey(b)));
}

export const reviewKey = (item: Pick<AccessReviewItem, 'portalUserId' | 'employeeNumber'>): ReviewKey => [
  item.portalUserId,
  item.employeeNumber,
];

export function compareReviewKeys(a: ReviewKey, b: ReviewKey): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** The CSV columns, in order (the JSON item's fields, with the VPD first). */
export const REVIEW_CSV_COLUMNS = [
  'vpd',
  'portalUserId',
  'employeeNumber',
  'displayName',
  'state',
  'since',
  'createdBy',
  'createdAt',
  'lastVerifiedAt',
] as const;

/** RFC 4180 CSV with a header line; formula-like cells neutralised (the shared writer, src/common/csv/csv-writer.ts). */
export function reviewCsv(vpd: string, items: AccessReviewItem[]): string {
  return toCsv(
    REVIEW_CSV_COLUMNS,
    items.map((item) => ({ vpd, ...item })),
  );
}

/**
 * The store's reads over a snapshot: role-assignment listings (a page at a time, all pages of one
 * listing reading the state at the same sequence number), pages of the change log between two
 * sequence numbers, and the number of rows a full listing would hold.
 */
import { PersonRef } from './sandbox.generator';
import { countAtOrBefore, RoleHistory } from './sandbox.role-history';
import { formatDay } from './sandbox.time';
import { DPA_ROLE_NAME, RoleAssignment, RoleAssignmentChange } from './sandbox.types';

/** A role row without the holder's name, as ESR answers a client that may not read names. */
export function withoutHolderName(row: RoleAssignment): RoleAssignment {
  const { active, systemPersonType } = row.person;
  return { ...row, person: { active, systemPersonType } };
}

/** A change whose row (if any) carries no holder's name. */
export function changeWithoutHolderName(change: RoleAssignmentChange): RoleAssignmentChange {
  return change.assignment ? { ...change, assignment: withoutHolderName(change.assignment) } : change;
}

export interface ListingQuery {
  vpdIndex: number;
  roleName: string;
  /** Only this person's assignments; null for all. */
  person: PersonRef | null;
  /** Snapshot: the sequence number the listing reads at. */
  seq: number;
  /** Rows ended before this UK day are left out. */
  asOfDay: number;
  /** Position to continue from (0 for the first page). */
  position: number;
  limit: number;
}

export interface ListingPage {
  items: RoleAssignment[];
  /** Position of the next page, or null when this is the last. */
  nextPosition: number | null;
}

export interface ChangesQuery {
  vpdIndex: number;
  roleName: string;
  /** Changes after this sequence number ... */
  since: number;
  /** ... and up to this one (the answer's watermark). */
  upTo: number;
  limit: number;
}

export interface ChangesPage {
  items: RoleAssignmentChange[];
  /** Sequence number to continue after, or null when this is the last page. */
  nextSince: number | null;
}

export function listRoleAssignments(history: RoleHistory, query: ListingQuery): ListingPage {
  const { vpdIndex, seq, asOfDay, limit } = query;
  if (query.roleName !== DPA_ROLE_NAME) return { items: [], nextPosition: null };
  const holders = history.dataset.holderSlots(vpdIndex);
  const asOf = formatDay(asOfDay);
  const listed = (row: RoleAssignment | null): row is RoleAssignment =>
    row !== null && (row.effectiveEndDate === null || row.effectiveEndDate >= asOf);
  const items: RoleAssignment[] = [];

  if (query.person) {
    const positions = history.positionsOf(query.person).filter((p) => p >= query.position);
    let next: number | null = null;
    for (const position of positions) {
      if (items.length === limit) {
        next = position;
        break;
      }
      const row = history.rowAt(vpdIndex, position, seq);
      if (listed(row)) items.push(row);
    }
    return { items, nextPosition: next };
  }

  const total = holders + history.extrasCreatedBy(vpdIndex, seq);
  let position = query.position;
  while (position < total && items.length < limit) {
    const row = history.rowAt(vpdIndex, position, seq);
    if (listed(row)) items.push(row);
    position++;
  }
  return { items, nextPosition: position < total ? position : null };
}

export function listChanges(history: RoleHistory, query: ChangesQuery): ChangesPage {
  if (query.roleName !== DPA_ROLE_NAME) return { items: [], nextSince: null };
  const changes = history.changesOf(query.vpdIndex);
  let index = countAtOrBefore(changes, query.since, (change) => change.seq); // the first change after `since`
  const items: RoleAssignmentChange[] = [];
  let last = query.since;
  while (index < changes.length && items.length < query.limit) {
    const entry = changes[index];
    if (entry.seq > query.upTo) break;
    items.push(entry.change);
    last = entry.seq;
    index++;
  }
  const more = index < changes.length && changes[index].seq <= query.upTo;
  return { items, nextSince: more ? last : null };
}

/** Assignments a full listing taken now would contain (O(changes) unless generated ones have ended). */
export function countListed(history: RoleHistory, vpdIndex: number, asOfDay: number): number {
  const { dataset, head } = history;
  const asOf = formatDay(asOfDay);
  const listed = (row: RoleAssignment | null): boolean => row !== null && (row.effectiveEndDate === null || row.effectiveEndDate >= asOf);
  const holders = dataset.holderSlots(vpdIndex);
  let count = 0;
  if (asOfDay < dataset.earliestGeneratedEndDay) {
    // No generated row has ended by then: only the changed ones can be missing.
    count = holders;
    for (const row of history.changedGeneratedRows(vpdIndex, head)) if (!listed(row)) count--;
  } else {
    for (let slot = 0; slot < holders; slot++) {
      const row = history.changedRow(dataset.generatedAssignmentId(vpdIndex, slot), head);
      if (row !== undefined) {
        if (listed(row)) count++;
      } else {
        const end = dataset.generatedEndDay(vpdIndex, slot);
        if (end === null || end >= asOfDay) count++;
      }
    }
  }
  for (const extra of history.extrasOf(vpdIndex)) {
    if (listed(history.rowById(extra.id, { kind: 'x', vpdIndex, slot: -1 }, head))) count++;
  }
  return count;
}

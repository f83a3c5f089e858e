/**
 * The versioned role-assignment rows under the sandbox's store: the rows that admin changes (or
 * the seeded fixture history) touched, the rows beyond the generated slots ("extras": fixtures and
 * admin-made), and each VPD's change log.
 *
 * Every change gets the next sequence number; a watermark is a sequence number. Each changed
 * assignment keeps its versions, so any row can be read as it stood at any sequence number (the
 * snapshot a listing pages through). Memory grows with the number of changes only, never with the
 * size of the generated data.
 */
import { PersonRef, SandboxDataset } from './sandbox.generator';
import { formatDay, formatUkTimestamp } from './sandbox.time';
import { DPA_ROLE_CATEGORY, DPA_ROLE_NAME, RoleAssignment, RoleAssignmentChange, RoleAssignmentPerson } from './sandbox.types';

interface Version {
  seq: number;
  /** null: the row does not exist (not yet created, or deleted). */
  state: RoleAssignment | null;
}

export interface ChangeEntry {
  seq: number;
  change: RoleAssignmentChange;
}

export interface Extra {
  id: string;
  person: PersonRef;
  /** Sequence number of its creation (0 for rows that were there at the baseline). */
  createdSeq: number;
}

interface VpdState {
  /** Role assignments beyond the generated slots (fixtures and admin-made), in creation order. */
  extras: Extra[];
  changes: ChangeEntry[];
}

/** An assignment id taken apart: a generated slot ('g') or an extra ('x'; slot -1 once known to exist). */
export interface ParsedId {
  kind: 'g' | 'x';
  vpdIndex: number;
  slot: number;
}

export interface ExtraFields {
  createdAt: number;
  effectiveStartDay: number;
  effectiveEndDay: number | null;
  lastUpdatedAt: number;
}

const ID_PATTERN = /^sra-(\d{3})-([gx])(\d{1,9})$/;

export class RoleHistory {
  private seq = 0;
  private readonly versions = new Map<string, Version[]>();
  private readonly vpds: VpdState[];
  /** Person -> indexes of their extras in their VPD's extras. */
  private readonly extrasByPerson = new Map<string, number[]>();

  constructor(readonly dataset: SandboxDataset) {
    this.vpds = Array.from({ length: dataset.vpds().length }, () => ({ extras: [], changes: [] }));
  }

  /** The sequence number of the latest change. */
  get head(): number {
    return this.seq;
  }

  /** Takes the next sequence number (for a change about to be recorded). */
  nextSeq(): number {
    return ++this.seq;
  }

  /** A VPD's extras, in creation order. */
  extrasOf(vpdIndex: number): readonly Extra[] {
    return this.vpdState(vpdIndex).extras;
  }

  /** A VPD's change log, in sequence order. */
  changesOf(vpdIndex: number): readonly ChangeEntry[] {
    return this.vpdState(vpdIndex).changes;
  }

  /** Number of a VPD's extras created at or before seq. */
  extrasCreatedBy(vpdIndex: number, seq: number): number {
    return countAtOrBefore(this.vpdState(vpdIndex).extras, seq, (extra) => extra.createdSeq);
  }

  /** The rows (as of seq) of a VPD's generated slots that were ever changed. */
  changedGeneratedRows(vpdIndex: number, seq: number): (RoleAssignment | null)[] {
    const rows: (RoleAssignment | null)[] = [];
    for (const [id, versions] of this.versions) {
      const parsed = this.parseId(id);
      if (parsed?.kind === 'g' && parsed.vpdIndex === vpdIndex) rows.push(latest(versions, seq));
    }
    return rows;
  }

  /** The row as of seq if it was ever changed (null if it did not exist then), undefined if never changed. */
  changedRow(id: string, seq: number): RoleAssignment | null | undefined {
    const versions = this.versions.get(id);
    return versions ? latest(versions, seq) : undefined;
  }

  parseId(id: string): ParsedId | undefined {
    const match = ID_PATTERN.exec(id);
    if (!match) return undefined;
    const vpdIndex = this.dataset.vpdIndex(match[1]);
    if (vpdIndex === undefined) return undefined;
    const kind = match[2] as 'g' | 'x';
    const slot = Number(match[3]);
    if (kind === 'g' && slot >= this.dataset.holderSlots(vpdIndex)) return undefined;
    if (kind === 'x' && !this.versions.has(id)) return undefined;
    return { kind, vpdIndex, slot };
  }

  /** Row at a listing position (generated slots first, then extras) as of a sequence number. */
  rowAt(vpdIndex: number, position: number, seq: number): RoleAssignment | null {
    const holders = this.dataset.holderSlots(vpdIndex);
    if (position < holders) {
      const id = this.dataset.generatedAssignmentId(vpdIndex, position);
      return this.rowById(id, { kind: 'g', vpdIndex, slot: position }, seq);
    }
    const extra = this.vpdState(vpdIndex).extras[position - holders];
    return extra ? this.rowById(extra.id, { kind: 'x', vpdIndex, slot: -1 }, seq) : null;
  }

  rowById(id: string, parsed: ParsedId, seq: number): RoleAssignment | null {
    const versions = this.versions.get(id);
    if (versions) return latest(versions, seq);
    return parsed.kind === 'g' ? this.dataset.generatedRoleAssignment(parsed.vpdIndex, parsed.slot) : null;
  }

  /** Listing positions of a person's role rows: their generated slot, then their extras. */
  positionsOf(ref: PersonRef): number[] {
    const positions: number[] = [];
    const slot = this.dataset.slotOf(ref);
    if (slot !== undefined) positions.push(slot);
    const holders = this.dataset.holderSlots(ref.vpdIndex);
    for (const index of this.extrasByPerson.get(personKey(ref)) ?? []) positions.push(holders + index);
    return positions;
  }

  /** Records a row's new state (null: deleted) at seq; a change-log entry unless seq is 0 (the baseline). */
  record(id: string, seq: number, at: number, state: RoleAssignment | null): void {
    const match = ID_PATTERN.exec(id);
    const vpdIndex = match ? this.dataset.vpdIndex(match[1]) : undefined;
    if (!match || vpdIndex === undefined) throw new RangeError(`bad assignment id ${id}`);
    let versions = this.versions.get(id);
    if (!versions) {
      // A generated row's first change keeps its generated state as the baseline version.
      versions = match[2] === 'g' ? [{ seq: 0, state: this.dataset.generatedRoleAssignment(vpdIndex, Number(match[3])) }] : [];
      this.versions.set(id, versions);
    }
    versions.push({ seq, state });
    if (seq === 0) return;
    const change: RoleAssignmentChange = state
      ? { op: 'upsert', assignmentId: id, changedAt: formatUkTimestamp(at), assignment: state }
      : { op: 'delete', assignmentId: id, changedAt: formatUkTimestamp(at) };
    this.vpdState(vpdIndex).changes.push({ seq, change });
  }

  /** Creates a role row beyond the generated slots for a person, at seq. */
  createExtra(ref: PersonRef, seq: number, at: number, fields: ExtraFields, person: RoleAssignmentPerson): RoleAssignment {
    const state = this.vpdState(ref.vpdIndex);
    const code = this.dataset.vpdCode(ref.vpdIndex);
    const id = `sra-${code}-x${state.extras.length + 1}`;
    const row: RoleAssignment = {
      assignmentId: id,
      vpd: code,
      employeeNumber: this.dataset.employeeNumber(ref),
      roleName: DPA_ROLE_NAME,
      roleCategory: DPA_ROLE_CATEGORY,
      effectiveStartDate: formatDay(fields.effectiveStartDay),
      effectiveEndDate: fields.effectiveEndDay === null ? null : formatDay(fields.effectiveEndDay),
      createdAt: formatUkTimestamp(fields.createdAt),
      lastUpdatedAt: formatUkTimestamp(Math.max(fields.createdAt, fields.lastUpdatedAt)),
      person,
    };
    state.extras.push({ id, person: ref, createdSeq: seq });
    const key = personKey(ref);
    this.extrasByPerson.set(key, [...(this.extrasByPerson.get(key) ?? []), state.extras.length - 1]);
    this.record(id, seq, at, row);
    return row;
  }

  private vpdState(vpdIndex: number): VpdState {
    const state = this.vpds[vpdIndex];
    if (!state) throw new RangeError(`no VPD at index ${vpdIndex}`);
    return state;
  }
}

export function personKey(ref: PersonRef): string {
  return `${ref.vpdIndex}:${ref.index}`;
}

/** The last version at or before seq (versions are in sequence order), or null. */
function latest(versions: readonly Version[], seq: number): RoleAssignment | null {
  for (let i = versions.length - 1; i >= 0; i--) {
    const version = versions[i];
    if (version.seq <= seq) return version.state;
  }
  return null;
}

/**
 * How many of `items` (in ascending order of seqOf) have a sequence number at or before seq: a
 * binary search. Also the index of the first item after seq.
 */
export function countAtOrBefore<T>(items: readonly T[], seq: number, seqOf: (item: T) => number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (seqOf(items[mid]) <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

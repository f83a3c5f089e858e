/**
 * The sandbox's mutable state on top of the generated data set: the role assignments that admin
 * changes (or the seeded fixture history) touched, people who were deactivated, and the change log.
 *
 * Every change gets the next sequence number; a watermark is a sequence number. Each changed
 * assignment keeps its versions, so a listing reads one consistent snapshot (the state at its
 * watermark) across all its pages, however long the paging takes and whatever changes meanwhile;
 * "changes since the watermark" then returns exactly what happened after it. Memory grows with
 * the number of changes only, never with the size of the generated data.
 */
import { SandboxError } from './sandbox.errors';
import { BASELINE_AGE_MS, FixtureKey, FixtureRoleEvent, PersonRef, SandboxDataset } from './sandbox.generator';
import { formatDay, formatUkTimestamp, ukDay } from './sandbox.time';
import { DPA_ROLE_CATEGORY, DPA_ROLE_NAME, Person, RoleAssignment, RoleAssignmentChange, RoleAssignmentPerson } from './sandbox.types';

interface Version {
  seq: number;
  /** null: the row does not exist (not yet created, or deleted). */
  state: RoleAssignment | null;
}

interface ChangeEntry {
  seq: number;
  change: RoleAssignmentChange;
}

interface Extra {
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

export interface AssignRoleInput {
  effectiveStartDay?: number;
  effectiveEndDay?: number | null;
  createdAt?: number;
}

const ID_PATTERN = /^sra-(\d{3})-([gx])(\d{1,9})$/;

export class SandboxStore {
  private seq = 0;
  private readonly versions = new Map<string, Version[]>();
  private readonly vpds: VpdState[];
  /** Person -> indexes of their extras in their VPD's extras. */
  private readonly extrasByPerson = new Map<string, number[]>();
  private readonly deactivated = new Map<string, number>();
  private readonly fixtureAssignments = new Map<FixtureKey, string>();
  /** When the baseline (sequence number 0) was current. */
  readonly baselineAt: number;

  constructor(
    readonly dataset: SandboxDataset,
    private readonly now: () => number,
  ) {
    this.baselineAt = dataset.anchor - BASELINE_AGE_MS;
    this.vpds = Array.from({ length: dataset.vpds().length }, () => ({ extras: [], changes: [] }));
    for (const event of dataset.fixtureRoleEvents()) this.replayFixture(event);
  }

  /** The sequence number of the latest change. */
  get head(): number {
    return this.seq;
  }

  // ---- reading ----------------------------------------------------------------------------

  listRoleAssignments(query: ListingQuery): ListingPage {
    const { vpdIndex, seq, asOfDay, limit } = query;
    if (query.roleName !== DPA_ROLE_NAME) return { items: [], nextPosition: null };
    const state = this.vpdState(vpdIndex);
    const holders = this.dataset.holderSlots(vpdIndex);
    const asOf = formatDay(asOfDay);
    const listed = (row: RoleAssignment | null): row is RoleAssignment =>
      row !== null && (row.effectiveEndDate === null || row.effectiveEndDate >= asOf);
    const items: RoleAssignment[] = [];

    if (query.person) {
      const positions = this.positionsOf(query.person).filter((p) => p >= query.position);
      let next: number | null = null;
      for (const position of positions) {
        if (items.length === limit) {
          next = position;
          break;
        }
        const row = this.rowAt(vpdIndex, position, seq);
        if (listed(row)) items.push(row);
      }
      return { items, nextPosition: next };
    }

    const total = holders + countCreatedBy(state.extras, seq);
    let position = query.position;
    while (position < total && items.length < limit) {
      const row = this.rowAt(vpdIndex, position, seq);
      if (listed(row)) items.push(row);
      position++;
    }
    return { items, nextPosition: position < total ? position : null };
  }

  listChanges(query: ChangesQuery): ChangesPage {
    if (query.roleName !== DPA_ROLE_NAME) return { items: [], nextSince: null };
    const changes = this.vpdState(query.vpdIndex).changes;
    let index = firstAfter(changes, query.since);
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

  /** The current state of a role assignment, or undefined if there is no such row (any more). */
  getRoleAssignment(assignmentId: string): RoleAssignment | undefined {
    const parsed = this.parseId(assignmentId);
    if (!parsed) return undefined;
    return this.rowById(assignmentId, parsed, this.seq) ?? undefined;
  }

  /** The person as they are now, with any deactivation applied. */
  getPerson(ref: PersonRef): Person {
    const person = this.dataset.person(ref);
    const terminationDay = this.deactivated.get(personKey(ref));
    if (terminationDay === undefined) return person;
    const termination = formatDay(terminationDay);
    return {
      ...person,
      systemPersonType: 'EX_EMP',
      actualTerminationDate: termination,
      assignments: person.assignments.map((a) => ({
        ...a,
        status: 'TERMINATED',
        effectiveEndDate: a.effectiveEndDate !== null && a.effectiveEndDate < termination ? a.effectiveEndDate : termination,
      })),
    };
  }

  personStatus(ref: PersonRef): RoleAssignmentPerson {
    if (this.deactivated.has(personKey(ref))) return { active: false, systemPersonType: 'EX_EMP' };
    const status = this.dataset.personStatus(ref);
    return { active: status.active, systemPersonType: status.systemPersonType };
  }

  /** Every role assignment row of a person that exists now (ended ones included). */
  roleAssignmentsOf(ref: PersonRef): RoleAssignment[] {
    return this.positionsOf(ref)
      .map((position) => this.rowAt(ref.vpdIndex, position, this.seq))
      .filter((row): row is RoleAssignment => row !== null);
  }

  fixtureAssignmentId(key: FixtureKey): string | undefined {
    return this.fixtureAssignments.get(key);
  }

  /** Assignments a full listing taken now would contain (O(changes) unless generated ones have ended). */
  countListed(vpdIndex: number, asOfDay: number): number {
    const asOf = formatDay(asOfDay);
    const listed = (row: RoleAssignment | null): boolean => row !== null && (row.effectiveEndDate === null || row.effectiveEndDate >= asOf);
    const holders = this.dataset.holderSlots(vpdIndex);
    let count = 0;
    if (asOfDay < this.dataset.earliestGeneratedEndDay) {
      // No generated row has ended by then: only the changed ones can be missing.
      count = holders;
      for (const [id, versions] of this.versions) {
        const parsed = this.parseId(id);
        if (parsed?.kind === 'g' && parsed.vpdIndex === vpdIndex && !listed(latest(versions, this.seq))) count--;
      }
    } else {
      for (let slot = 0; slot < holders; slot++) {
        const id = this.dataset.generatedAssignmentId(vpdIndex, slot);
        const versions = this.versions.get(id);
        if (versions) {
          if (listed(latest(versions, this.seq))) count++;
        } else {
          const end = this.dataset.generatedEndDay(vpdIndex, slot);
          if (end === null || end >= asOfDay) count++;
        }
      }
    }
    for (const extra of this.vpdState(vpdIndex).extras) {
      if (listed(this.rowById(extra.id, { kind: 'x', vpdIndex, slot: -1 }, this.seq))) count++;
    }
    return count;
  }

  // ---- changing ---------------------------------------------------------------------------

  assignRole(ref: PersonRef, input: AssignRoleInput = {}): RoleAssignment {
    const nowMs = this.now();
    const today = ukDay(nowMs);
    const createdAt = input.createdAt ?? nowMs;
    const start = input.effectiveStartDay ?? ukDay(createdAt);
    const end = input.effectiveEndDay ?? null;
    if (end !== null && end < start) throw SandboxError.badRequest('effectiveEndDate must not be before effectiveStartDate');
    const todayText = formatDay(today);
    const current = this.roleAssignmentsOf(ref).find((row) => row.effectiveEndDate === null || row.effectiveEndDate >= todayText);
    if (current) {
      throw SandboxError.conflict(
        `employee ${current.employeeNumber} already holds the role in VPD ${current.vpd} (assignment ${current.assignmentId})`,
      );
    }
    return this.createExtra(ref, ++this.seq, nowMs, {
      createdAt,
      effectiveStartDay: start,
      effectiveEndDay: end,
      lastUpdatedAt: nowMs,
    });
  }

  endDateRole(assignmentId: string, endDay: number): RoleAssignment {
    const current = this.requireCurrent(assignmentId);
    if (formatDay(endDay) < current.effectiveStartDate)
      throw SandboxError.badRequest(`effectiveEndDate must not be before the role's effectiveStartDate ${current.effectiveStartDate}`);
    const nowMs = this.now();
    const next: RoleAssignment = { ...current, effectiveEndDate: formatDay(endDay), lastUpdatedAt: formatUkTimestamp(nowMs) };
    this.record(assignmentId, ++this.seq, nowMs, next);
    return next;
  }

  deleteRole(assignmentId: string): void {
    this.requireCurrent(assignmentId);
    this.record(assignmentId, ++this.seq, this.now(), null);
  }

  /**
   * Marks a person as having left (EX_EMP, no active assignment) from the given UK day; each of
   * their role rows gets an upsert in the change feed. A person who is already inactive is left as is.
   */
  deactivatePerson(ref: PersonRef, terminationDay?: number): Person {
    const nowMs = this.now();
    if (this.personStatus(ref).active) {
      this.deactivated.set(personKey(ref), terminationDay ?? ukDay(nowMs));
      const person = this.personStatus(ref);
      for (const row of this.roleAssignmentsOf(ref)) {
        this.record(row.assignmentId, ++this.seq, nowMs, { ...row, person, lastUpdatedAt: formatUkTimestamp(nowMs) });
      }
    }
    return this.getPerson(ref);
  }

  // ---- internals --------------------------------------------------------------------------

  private vpdState(vpdIndex: number): VpdState {
    const state = this.vpds[vpdIndex];
    if (!state) throw new RangeError(`no VPD at index ${vpdIndex}`);
    return state;
  }

  private parseId(id: string): { kind: 'g' | 'x'; vpdIndex: number; slot: number } | undefined {
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

  private requireCurrent(assignmentId: string): RoleAssignment {
    const current = this.getRoleAssignment(assignmentId);
    if (!current) throw SandboxError.notFound(`no role assignment ${assignmentId}`);
    return current;
  }

  /** Row at a listing position (generated slots first, then extras) as of a sequence number. */
  private rowAt(vpdIndex: number, position: number, seq: number): RoleAssignment | null {
    const holders = this.dataset.holderSlots(vpdIndex);
    if (position < holders) {
      const id = this.dataset.generatedAssignmentId(vpdIndex, position);
      return this.rowById(id, { kind: 'g', vpdIndex, slot: position }, seq);
    }
    const extra = this.vpdState(vpdIndex).extras[position - holders];
    return extra ? this.rowById(extra.id, { kind: 'x', vpdIndex, slot: -1 }, seq) : null;
  }

  private rowById(id: string, parsed: { kind: 'g' | 'x'; vpdIndex: number; slot: number }, seq: number): RoleAssignment | null {
    const versions = this.versions.get(id);
    if (versions) return latest(versions, seq);
    return parsed.kind === 'g' ? this.dataset.generatedRoleAssignment(parsed.vpdIndex, parsed.slot) : null;
  }

  /** Listing positions of a person's role rows: their generated slot, then their extras. */
  private positionsOf(ref: PersonRef): number[] {
    const positions: number[] = [];
    const slot = this.dataset.slotOf(ref);
    if (slot !== undefined) positions.push(slot);
    const holders = this.dataset.holderSlots(ref.vpdIndex);
    for (const index of this.extrasByPerson.get(personKey(ref)) ?? []) positions.push(holders + index);
    return positions;
  }

  private record(id: string, seq: number, at: number, state: RoleAssignment | null): void {
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

  private createExtra(
    ref: PersonRef,
    seq: number,
    at: number,
    fields: { createdAt: number; effectiveStartDay: number; effectiveEndDay: number | null; lastUpdatedAt: number },
  ): RoleAssignment {
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
      person: this.personStatus(ref),
    };
    state.extras.push({ id, person: ref, createdSeq: seq });
    const key = personKey(ref);
    this.extrasByPerson.set(key, [...(this.extrasByPerson.get(key) ?? []), state.extras.length - 1]);
    this.record(id, seq, at, row);
    return row;
  }

  private replayFixture(event: FixtureRoleEvent): void {
    const baseline = event.at === 'baseline';
    const seq = baseline ? 0 : ++this.seq;
    const at = baseline ? this.baselineAt : (event.at as number);
    if (event.kind === 'create') {
      const row = this.createExtra(this.dataset.fixtureRef(event.fixture), seq, at, {
        createdAt: event.createdAt as number,
        effectiveStartDay: event.effectiveStartDay as number,
        effectiveEndDay: event.effectiveEndDay ?? null,
        lastUpdatedAt: event.lastUpdatedAt ?? (event.createdAt as number),
      });
      this.fixtureAssignments.set(event.fixture, row.assignmentId);
      return;
    }
    const id = this.fixtureAssignments.get(event.fixture) as string;
    const current = latest(this.versions.get(id) as Version[], this.seq) as RoleAssignment;
    if (event.kind === 'delete') {
      this.record(id, seq, at, null);
    } else {
      const endDay = event.effectiveEndDay as number;
      this.record(id, seq, at, { ...current, effectiveEndDate: formatDay(endDay), lastUpdatedAt: formatUkTimestamp(at) });
    }
  }
}

function personKey(ref: PersonRef): string {
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

/** Number of extras created at or before seq (extras are in creation order). */
function countCreatedBy(extras: readonly Extra[], seq: number): number {
  let low = 0;
  let high = extras.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (extras[mid].createdSeq <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first change with a sequence number above seq. */
function firstAfter(changes: readonly ChangeEntry[], seq: number): number {
  let low = 0;
  let high = changes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (changes[mid].seq <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

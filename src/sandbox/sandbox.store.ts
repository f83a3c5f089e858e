/**
 * The sandbox's mutable state on top of the generated data set: admin changes to role assignments
 * (assign, end-date, delete), people who were deactivated, and the seeded fixture history replayed
 * at start-up. The versioned rows and the change log they land in are in sandbox.role-history.ts;
 * the reads over a snapshot (listings, change pages, counts) in sandbox.listings.ts.
 *
 * Every change gets the next sequence number; a watermark is a sequence number. A listing reads one
 * consistent snapshot (the state at its watermark) across all its pages, however long the paging
 * takes and whatever changes meanwhile; "changes since the watermark" then returns exactly what
 * happened after it.
 */
import { SandboxError } from './sandbox.errors';
import { BASELINE_AGE_MS, FixtureKey, FixtureRoleEvent } from './sandbox.fixtures';
import { PersonRef, SandboxDataset } from './sandbox.generator';
import { ChangesPage, ChangesQuery, countListed, listChanges, ListingPage, ListingQuery, listRoleAssignments } from './sandbox.listings';
import { ExtraFields, personKey, RoleHistory } from './sandbox.role-history';
import { formatDay, formatUkTimestamp, ukDay } from './sandbox.time';
import { Person, RoleAssignment, RoleAssignmentPerson } from './sandbox.types';

export interface AssignRoleInput {
  effectiveStartDay?: number;
  effectiveEndDay?: number | null;
  createdAt?: number;
}

export class SandboxStore {
  private readonly history: RoleHistory;
  private readonly deactivated = new Map<string, number>();
  private readonly fixtureAssignments = new Map<FixtureKey, string>();
  /** When the baseline (sequence number 0) was current. */
  readonly baselineAt: number;

  constructor(
    readonly dataset: SandboxDataset,
    private readonly now: () => number,
  ) {
    this.baselineAt = dataset.anchor - BASELINE_AGE_MS;
    this.history = new RoleHistory(dataset);
    for (const event of dataset.fixtureRoleEvents()) this.replayFixture(event);
  }

  /** The sequence number of the latest change. */
  get head(): number {
    return this.history.head;
  }

  // ---- reading ----------------------------------------------------------------------------

  listRoleAssignments(query: ListingQuery): ListingPage {
    return listRoleAssignments(this.history, query);
  }

  listChanges(query: ChangesQuery): ChangesPage {
    return listChanges(this.history, query);
  }

  /** The current state of a role assignment, or undefined if there is no such row (any more). */
  getRoleAssignment(assignmentId: string): RoleAssignment | undefined {
    const parsed = this.history.parseId(assignmentId);
    if (!parsed) return undefined;
    return this.history.rowById(assignmentId, parsed, this.history.head) ?? undefined;
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

  /** The person block of a role row: status and name (contract 1.1.0). */
  holderPerson(ref: PersonRef): RoleAssignmentPerson {
    return { ...this.personStatus(ref), ...this.dataset.holderName(ref) };
  }

  /** Every role assignment row of a person that exists now (ended ones included). */
  roleAssignmentsOf(ref: PersonRef): RoleAssignment[] {
    return this.history
      .positionsOf(ref)
      .map((position) => this.history.rowAt(ref.vpdIndex, position, this.history.head))
      .filter((row): row is RoleAssignment => row !== null);
  }

  fixtureAssignmentId(key: FixtureKey): string | undefined {
    return this.fixtureAssignments.get(key);
  }

  /** Assignments a full listing taken now would contain (O(changes) unless generated ones have ended). */
  countListed(vpdIndex: number, asOfDay: number): number {
    return countListed(this.history, vpdIndex, asOfDay);
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
    const fields: ExtraFields = { createdAt, effectiveStartDay: start, effectiveEndDay: end, lastUpdatedAt: nowMs };
    return this.history.createExtra(ref, this.history.nextSeq(), nowMs, fields, this.holderPerson(ref));
  }

  endDateRole(assignmentId: string, endDay: number): RoleAssignment {
    const current = this.requireCurrent(assignmentId);
    if (formatDay(endDay) < current.effectiveStartDate)
      throw SandboxError.badRequest(`effectiveEndDate must not be before the role's effectiveStartDate ${current.effectiveStartDate}`);
    const nowMs = this.now();
    const next: RoleAssignment = { ...current, effectiveEndDate: formatDay(endDay), lastUpdatedAt: formatUkTimestamp(nowMs) };
    this.history.record(assignmentId, this.history.nextSeq(), nowMs, next);
    return next;
  }

  deleteRole(assignmentId: string): void {
    this.requireCurrent(assignmentId);
    this.history.record(assignmentId, this.history.nextSeq(), this.now(), null);
  }

  /**
   * Marks a person as having left (EX_EMP, no active assignment) from the given UK day; each of
   * their role rows gets an upsert in the change feed. A person who is already inactive is left as is.
   */
  deactivatePerson(ref: PersonRef, terminationDay?: number): Person {
    const nowMs = this.now();
    if (this.personStatus(ref).active) {
      this.deactivated.set(personKey(ref), terminationDay ?? ukDay(nowMs));
      const person = this.holderPerson(ref);
      for (const row of this.roleAssignmentsOf(ref)) {
        this.history.record(row.assignmentId, this.history.nextSeq(), nowMs, { ...row, person, lastUpdatedAt: formatUkTimestamp(nowMs) });
      }
    }
    return this.getPerson(ref);
  }

  // ---- internals --------------------------------------------------------------------------

  private requireCurrent(assignmentId: string): RoleAssignment {
    const current = this.getRoleAssignment(assignmentId);
    if (!current) throw SandboxError.notFound(`no role assignment ${assignmentId}`);
    return current;
  }

  private replayFixture(event: FixtureRoleEvent): void {
    const baseline = event.at === 'baseline';
    const seq = baseline ? 0 : this.history.nextSeq();
    const at = baseline ? this.baselineAt : (event.at as number);
    if (event.kind === 'create') {
      const fields: ExtraFields = {
        createdAt: event.createdAt as number,
        effectiveStartDay: event.effectiveStartDay as number,
        effectiveEndDay: event.effectiveEndDay ?? null,
        lastUpdatedAt: event.lastUpdatedAt ?? (event.createdAt as number),
      };
      const ref = this.dataset.fixtureRef(event.fixture);
      const row = this.history.createExtra(ref, seq, at, fields, this.holderPerson(ref));
      this.fixtureAssignments.set(event.fixture, row.assignmentId);
      return;
    }
    const id = this.fixtureAssignments.get(event.fixture) as string;
    const current = this.history.changedRow(id, this.history.head) as RoleAssignment;
    if (event.kind === 'delete') {
      this.history.record(id, seq, at, null);
    } else {
      const endDay = event.effectiveEndDay as number;
      this.history.record(id, seq, at, { ...current, effectiveEndDate: formatDay(endDay), lastUpdatedAt: formatUkTimestamp(at) });
    }
  }
}

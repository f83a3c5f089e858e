/**
 * The sandbox's deterministic data set. Nothing here is stored per record: VPD v's person i and
 * role-assignment slot j are pure functions of (seed, v, i/j, anchor), so a data set of 1,000,000
 * role assignments costs a few arrays of per-VPD numbers. Identifiers are invertible (employee
 * numbers and NI numbers are affine permutations of a person's global position), so lookups by
 * employee number, assignment number or NI number are O(1) or O(log VPDs), never scans.
 *
 * The anchor is the instant the sandbox started ("now" at start-up): every relative date (ages,
 * hire dates, "assigned under 24 hours ago") is measured from it, so a fixed `now` gives the same
 * data every time. This class holds the identifiers, the role holders and people's status; the
 * VPD layout is in sandbox.layout.ts, a person's full record in sandbox.person-records.ts, and the
 * awkward cases ("fixtures", documented in src/sandbox/README.md) in sandbox.fixtures.ts.
 */
import { NI_PREFIXES, NI_SUFFIXES } from './sandbox.catalogue';
import { EMPLOYEE_NUMBER } from '../domain/identifiers';
import {
  FIXTURE_LISTED_ROLE_COUNT,
  FIXTURE_PEOPLE,
  FixtureKey,
  FixturePerson,
  FixturePersonSpec,
  FixtureRoleEvent,
  fixtureRoleEvents,
  HOME_VPD,
  lastClockChanges,
} from './sandbox.fixtures';
import { layOutVpds, PEOPLE_PER_HOLDER, VpdLayout } from './sandbox.layout';
import { personNames, PersonStatus, personRecord } from './sandbox.person-records';
import { AffinePermutation, hashKey, Rng } from './sandbox.random';
import { formatDay, formatUkTimestamp, MS_PER_DAY, ukDay, ukLocalToInstant } from './sandbox.time';
import { DPA_ROLE_CATEGORY, DPA_ROLE_NAME, Person, RoleAssignment, RoleAssignmentPerson, SystemPersonType, Vpd } from './sandbox.types';

export const MAX_VPD_COUNT = 1000;
export const MAX_ROLE_ASSIGNMENTS = 10_000_000;

const EMPLOYEE_NUMBER_BASE = 10_000_000;
const EMPLOYEE_NUMBER_SPACE = 90_000_000;
/** Chosen so that global person 0 (VPD 979's first person) is employee 30581377. */
const EMPLOYEE_PERMUTATION = new AffinePermutation(EMPLOYEE_NUMBER_SPACE, 37_533_071, 20_581_377);
const NI_SPACE = NI_PREFIXES.length * 1_000_000 * NI_SUFFIXES.length;
const NI_MULTIPLIER = 982_451_653;

/** Salts that keep the independent random streams of one record apart. */
const Salt = {
  VpdLayout: 1,
  HolderOffset: 2,
  PersonStatus: 3,
  PersonDetail: 4,
  RoleSlot: 5,
  NiOffset: 6,
  RoleEnd: 7,
} as const;

export interface DatasetOptions {
  seed: number;
  vpdCount: number;
  roleAssignments: number;
  /** Start-up instant (ms) that relative dates are measured from. */
  anchor: number;
}

export interface PersonRef {
  vpdIndex: number;
  index: number;
}

export class SandboxDataset {
  readonly anchor: number;
  readonly anchorDay: number;
  readonly seed: number;
  private readonly layouts: VpdLayout[];
  private readonly byCode = new Map<string, VpdLayout>();
  private readonly sortedVpds: Vpd[];
  private readonly niPermutation: AffinePermutation;

  constructor(options: DatasetOptions) {
    const { seed, vpdCount, roleAssignments, anchor } = options;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError('seed must be an integer from 0 to 4294967295');
    if (!Number.isInteger(vpdCount) || vpdCount < 1 || vpdCount > MAX_VPD_COUNT)
      throw new RangeError(`vpdCount must be an integer from 1 to ${MAX_VPD_COUNT}`);
    if (!Number.isInteger(roleAssignments) || roleAssignments < 0 || roleAssignments > MAX_ROLE_ASSIGNMENTS)
      throw new RangeError(`roleAssignments must be an integer from 0 to ${MAX_ROLE_ASSIGNMENTS}`);
    if (!Number.isFinite(anchor)) throw new RangeError('anchor must be a valid instant');
    this.seed = seed;
    this.anchor = anchor;
    this.anchorDay = ukDay(anchor);
    this.layouts = layOutVpds(
      new Rng(hashKey(seed, Salt.VpdLayout)),
      vpdCount,
      Math.max(0, roleAssignments - FIXTURE_LISTED_ROLE_COUNT),
      EMPLOYEE_NUMBER_SPACE,
    );
    for (const layout of this.layouts) this.byCode.set(layout.code, layout);
    this.sortedVpds = this.layouts
      .map((l) => ({ vpd: l.code, organisationName: l.organisationName, active: true }))
      .sort((a, b) => a.vpd.localeCompare(b.vpd));
    this.niPermutation = new AffinePermutation(NI_SPACE, NI_MULTIPLIER, hashKey(seed, Salt.NiOffset));
  }

  // ---- VPDs -------------------------------------------------------------------------------

  vpds(): Vpd[] {
    return this.sortedVpds.map((v) => ({ ...v }));
  }

  vpdIndex(code: string): number | undefined {
    return this.byCode.get(code)?.index;
  }

  vpdCode(vpdIndex: number): string {
    return this.layout(vpdIndex).code;
  }

  /** Generated role-assignment slots of a VPD (fixtures and admin-made ones come on top). */
  holderSlots(vpdIndex: number): number {
    return this.layout(vpdIndex).holders;
  }

  peopleCount(vpdIndex: number): number {
    return this.layout(vpdIndex).people;
  }

  totalHolderSlots(): number {
    return this.layouts.reduce((sum, l) => sum + l.holders, 0);
  }

  private layout(vpdIndex: number): VpdLayout {
    const layout = this.layouts[vpdIndex];
    if (!layout) throw new RangeError(`no VPD at index ${vpdIndex}`);
    return layout;
  }

  // ---- identifiers ------------------------------------------------------------------------

  employeeNumber(ref: PersonRef): string {
    const global = this.layout(ref.vpdIndex).offset + ref.index;
    return String(EMPLOYEE_NUMBER_BASE + EMPLOYEE_PERMUTATION.apply(global));
  }

  /** The person behind an employee number in a VPD, or undefined if there is none. */
  findByEmployeeNumber(vpdIndex: number, employeeNumber: string): PersonRef | undefined {
    if (!EMPLOYEE_NUMBER.test(employeeNumber)) return undefined;
    const value = Number(employeeNumber) - EMPLOYEE_NUMBER_BASE;
    if (value < 0) return undefined;
    return this.localRef(vpdIndex, EMPLOYEE_PERMUTATION.invert(value));
  }

  niNumber(ref: PersonRef): string {
    const x = this.niPermutation.apply(this.layout(ref.vpdIndex).offset + ref.index);
    const suffix = x % NI_SUFFIXES.length;
    const digits = Math.floor(x / NI_SUFFIXES.length) % 1_000_000;
    const prefix = Math.floor(x / (NI_SUFFIXES.length * 1_000_000));
    return `${NI_PREFIXES[prefix]}${digits.toString().padStart(6, '0')}${NI_SUFFIXES[suffix] as string}`;
  }

  /** The person whose NI number this is, in a VPD, or undefined. */
  findByNiNumber(vpdIndex: number, niNumber: string): PersonRef | undefined {
    const match = /^([A-Z]{2})(\d{6})([A-D])$/.exec(niNumber);
    if (!match) return undefined;
    const prefix = NI_PREFIXES.indexOf(match[1]);
    if (prefix < 0) return undefined;
    const x = (prefix * 1_000_000 + Number(match[2])) * NI_SUFFIXES.length + 'ABCD'.indexOf(match[3]);
    const ref = this.localRef(vpdIndex, this.niPermutation.invert(x));
    return ref && this.hasNiNumber(ref) ? ref : undefined;
  }

  private localRef(vpdIndex: number, global: number): PersonRef | undefined {
    const layout = this.layouts[vpdIndex];
    if (!layout || global < layout.offset || global >= layout.offset + layout.people) return undefined;
    return { vpdIndex, index: global - layout.offset };
  }

  // ---- role holders -----------------------------------------------------------------------

  /** Position of the person who holds generated slot j. */
  holderOf(vpdIndex: number, slot: number): PersonRef {
    const layout = this.layout(vpdIndex);
    const offset = hashKey(this.seed, Salt.HolderOffset, vpdIndex, slot) % PEOPLE_PER_HOLDER;
    return { vpdIndex, index: layout.reserved + slot * PEOPLE_PER_HOLDER + offset };
  }

  /** The generated slot a person holds, or undefined. */
  slotOf(ref: PersonRef): number | undefined {
    const layout = this.layout(ref.vpdIndex);
    const relative = ref.index - layout.reserved;
    if (relative < 0) return undefined;
    const slot = Math.floor(relative / PEOPLE_PER_HOLDER);
    if (slot >= layout.holders) return undefined;
    return this.holderOf(ref.vpdIndex, slot).index === ref.index ? slot : undefined;
  }

  generatedAssignmentId(vpdIndex: number, slot: number): string {
    return `sra-${this.vpdCode(vpdIndex)}-g${slot}`;
  }

  /** Generated role assignment j of a VPD, as it stood at the baseline. */
  generatedRoleAssignment(vpdIndex: number, slot: number): RoleAssignment {
    const ref = this.holderOf(vpdIndex, slot);
    const status = this.personStatus(ref);
    const rng = new Rng(hashKey(this.seed, Salt.RoleSlot, vpdIndex, slot));
    const createdDay = status.terminationDay !== null ? status.terminationDay - rng.int(30, 1200) : this.anchorDay - rng.int(3, 1500);
    const createdAt = ukLocalToInstant(createdDay, rng.int(8 * 60, 18 * 60 - 1)) + rng.int(0, 59_999);
    const endDay = this.generatedEndDay(vpdIndex, slot);
    let lastUpdatedAt = createdAt;
    if (status.terminationDay !== null) lastUpdatedAt = ukLocalToInstant(status.terminationDay, 17 * 60 + rng.int(0, 59));
    else if (rng.chance(0.1)) lastUpdatedAt = Math.min(createdAt + rng.int(1, 200) * MS_PER_DAY, this.anchor - 3 * MS_PER_DAY);
    return {
      assignmentId: this.generatedAssignmentId(vpdIndex, slot),
      vpd: this.vpdCode(vpdIndex),
      employeeNumber: this.employeeNumber(ref),
      roleName: DPA_ROLE_NAME,
      roleCategory: DPA_ROLE_CATEGORY,
      effectiveStartDate: formatDay(createdDay),
      effectiveEndDate: endDay === null ? null : formatDay(endDay),
      createdAt: formatUkTimestamp(createdAt),
      lastUpdatedAt: formatUkTimestamp(Math.max(createdAt, lastUpdatedAt)),
      person: { active: status.active, systemPersonType: status.systemPersonType, ...this.holderName(ref) },
    };
  }

  /** The name a role row carries for its holder (contract 1.1.0): a few draws, never the full record. */
  holderName(ref: PersonRef): Pick<RoleAssignmentPerson, 'title' | 'firstName' | 'lastName'> {
    const { title, firstName, lastName } = personNames(
      new Rng(hashKey(this.seed, Salt.PersonDetail, ref.vpdIndex, ref.index)),
      this.fixtureSpec(ref),
    );
    return { title, firstName, lastName };
  }

  /**
   * The effective end date (day) of generated slot j, or null: about 6% of generated roles carry a
   * planned end date, always at least 30 days after the anchor day. Its own stream, so that counting
   * current assignments needs no full record.
   */
  generatedEndDay(vpdIndex: number, slot: number): number | null {
    const rng = new Rng(hashKey(this.seed, Salt.RoleEnd, vpdIndex, slot));
    return rng.chance(0.06) ? this.anchorDay + rng.int(30, 700) : null;
  }

  /** Generated end dates never fall before this day. */
  get earliestGeneratedEndDay(): number {
    return this.anchorDay + 30;
  }

  // ---- people -----------------------------------------------------------------------------

  private fixtureSpec(ref: PersonRef): FixturePersonSpec | undefined {
    return ref.vpdIndex === 0 ? FIXTURE_PEOPLE[ref.index] : undefined;
  }

  personStatus(ref: PersonRef): PersonStatus {
    const rng = new Rng(hashKey(this.seed, Salt.PersonStatus, ref.vpdIndex, ref.index));
    const fixture = this.fixtureSpec(ref);
    let type: SystemPersonType;
    let terminationDay: number | null = null;
    if (fixture) {
      type = fixture.leftDaysAgo === undefined ? 'EMP' : 'EX_EMP';
      if (fixture.leftDaysAgo !== undefined) terminationDay = this.anchorDay - fixture.leftDaysAgo;
    } else if (this.slotOf(ref) !== undefined) {
      type = rng.chance(0.03) ? 'EX_EMP' : 'EMP';
      if (type === 'EX_EMP') terminationDay = this.anchorDay - rng.int(3, 400);
    } else {
      type = rng.weighted<SystemPersonType>([
        ['EMP', 85],
        ['EX_EMP', 8],
        ['APL', 4],
        ['OTHER', 3],
      ]);
      if (type === 'EX_EMP') terminationDay = this.anchorDay - rng.int(3, 3000);
    }
    let hireDay: number | null = null;
    if (type === 'EMP' || type === 'EX_EMP' || (type === 'OTHER' && rng.chance(0.5))) {
      const before = terminationDay ?? this.anchorDay;
      hireDay = before - rng.int(fixture ? 1600 : 30, 30 * 365);
    }
    return { systemPersonType: type, active: type === 'EMP', hireDay, terminationDay };
  }

  /** A person's full NI number, or null for the few who have none recorded. */
  niNumberOf(ref: PersonRef): string | null {
    return this.hasNiNumber(ref) ? this.niNumber(ref) : null;
  }

  private hasNiNumber(ref: PersonRef): boolean {
    const status = this.personStatus(ref);
    return status.systemPersonType !== 'OTHER' || hashKey(this.seed, Salt.PersonDetail, ref.vpdIndex, ref.index) % 2 === 0;
  }

  /** A person's full record as generated (before any admin change). */
  person(ref: PersonRef): Person {
    const fixture = this.fixtureSpec(ref);
    return personRecord({
      rng: new Rng(hashKey(this.seed, Salt.PersonDetail, ref.vpdIndex, ref.index)),
      anchorDay: this.anchorDay,
      vpd: this.vpdCode(ref.vpdIndex),
      employeeNumber: this.employeeNumber(ref),
      niNumber: this.niNumberOf(ref),
      status: this.personStatus(ref),
      fixture,
      holdsRole: fixture ? fixture.key !== 'withoutRole' : this.slotOf(ref) !== undefined,
    });
  }

  // ---- fixtures ---------------------------------------------------------------------------

  fixturePeople(): FixturePerson[] {
    return FIXTURE_PEOPLE.map((spec, index) => ({
      key: spec.key,
      description: spec.description,
      vpd: HOME_VPD,
      employeeNumber: this.employeeNumber({ vpdIndex: 0, index }),
    }));
  }

  fixtureRef(key: FixtureKey): PersonRef {
    return { vpdIndex: 0, index: FIXTURE_PEOPLE.findIndex((f) => f.key === key) };
  }

  /**
   * The history of the fixture role assignments: 'baseline' events make up the state at the
   * baseline watermark (48 hours before start-up); timed events come after it, in time order.
   */
  fixtureRoleEvents(): FixtureRoleEvent[] {
    return fixtureRoleEvents(this.anchor, this.personStatus(this.fixtureRef('leaver')).terminationDay as number);
  }

  /** The latest spring-forward and fall-back instants at least 3 days before the anchor. */
  lastClockChanges(): { spring: number; autumn: number } {
    return lastClockChanges(this.anchor);
  }
}

/**
 * The sandbox's deterministic data set. Nothing here is stored per record: VPD v's person i and
 * role-assignment slot j are pure functions of (seed, v, i/j, anchor), so a data set of 1,000,000
 * role assignments costs a few arrays of per-VPD numbers. Identifiers are invertible (employee
 * numbers and NI numbers are affine permutations of a person's global position), so lookups by
 * employee number, assignment number or NI number are O(1) or O(log VPDs), never scans.
 *
 * The anchor is the instant the sandbox started ("now" at start-up): every relative date (ages,
 * hire dates, "assigned under 24 hours ago") is measured from it, so a fixed `now` gives the same
 * data every time. The awkward cases ("fixtures") are documented in src/sandbox/README.md.
 */
import {
  ANTIGENS,
  BANDS,
  CSTF_SUBJECTS,
  DEPARTMENTS,
  FIRST_NAMES,
  LAST_NAMES,
  MIDDLE_NAMES,
  NI_PREFIXES,
  NI_SUFFIXES,
  ORGANISATION_NAME_CAPACITY,
  organisationName,
  ROLE_HOLDER_JOB_ROLES,
  ROLE_HOLDER_STAFF_GROUP,
  STAFF_GROUPS,
  StaffGroup,
  TITLES,
} from './sandbox.catalogue';
import { EMPLOYEE_NUMBER } from '../domain/identifiers';
import { AffinePermutation, hashKey, Rng } from './sandbox.random';
import { formatDay, formatUkTimestamp, MS_PER_DAY, ukClockChanges, ukDay, ukLocalToInstant } from './sandbox.time';
import {
  Competence,
  DPA_ROLE_CATEGORY,
  DPA_ROLE_NAME,
  EmploymentCheck,
  Immunisation,
  Person,
  PersonAssignment,
  PersonSummary,
  Registration,
  RoleAssignment,
  SystemPersonType,
  Vpd,
} from './sandbox.types';

/** The VPD that is always present, and its well-known role holder. */
export const HOME_VPD = '979';
export const HOME_EMPLOYEE_NUMBER = '30581377';

export const MAX_VPD_COUNT = 1000;
export const MAX_ROLE_ASSIGNMENTS = 10_000_000;
/** People per generated role holder (one person in four holds the role) and per-VPD minimum. */
const PEOPLE_PER_HOLDER = 4;
const MIN_PEOPLE_PER_VPD = 20;

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

export type FixtureKey =
  | 'established'
  | 'assignedWithin24h'
  | 'futureDated'
  | 'endDatedToday'
  | 'endDatedYesterday'
  | 'leaver'
  | 'springForwardBefore'
  | 'springForwardAfter'
  | 'fallBackBefore'
  | 'fallBackAfter'
  | 'deletedInError'
  | 'withoutRole';

interface FixturePersonSpec {
  key: FixtureKey;
  description: string;
  title: string | null;
  firstName: string;
  lastName: string;
  /** Days before the anchor day the person left; undefined for a current employee. */
  leftDaysAgo?: number;
  assignmentCount: number;
}

/** The awkward cases, in VPD 979 at person positions 0.. (so their employee numbers never change). */
const FIXTURE_PEOPLE: readonly FixturePersonSpec[] = [
  {
    key: 'established',
    description: 'Long-standing role holder (30581377), two assignments',
    title: 'Mr',
    firstName: 'Jordan',
    lastName: 'Ashworth',
    assignmentCount: 2,
  },
  {
    key: 'assignedWithin24h',
    description: 'Role assigned two hours before start-up',
    title: 'Ms',
    firstName: 'Priya',
    lastName: 'Shah',
    assignmentCount: 1,
  },
  {
    key: 'futureDated',
    description: 'Role assigned 30 hours before start-up, effective 7 days after',
    title: 'Mr',
    firstName: 'Tariq',
    lastName: 'Hussain',
    assignmentCount: 1,
  },
  {
    key: 'endDatedToday',
    description: 'Role end-dated today (still held all of today)',
    title: 'Mrs',
    firstName: 'Grace',
    lastName: 'Okafor',
    assignmentCount: 1,
  },
  {
    key: 'endDatedYesterday',
    description: 'Role end-dated yesterday (absent from listings, in the change feed)',
    title: 'Dr',
    firstName: 'Wei',
    lastName: 'Chen',
    assignmentCount: 1,
  },
  {
    key: 'leaver',
    description: 'Role holder who left 10 days ago; the role row was never end-dated',
    title: 'Miss',
    firstName: 'Ella',
    lastName: "O'Neill",
    leftDaysAgo: 10,
    assignmentCount: 2,
  },
  {
    key: 'springForwardBefore',
    description: 'Role created 00:30 UTC on the last spring-forward day (00:30 GMT)',
    title: null,
    firstName: 'Rhys',
    lastName: 'Evans',
    assignmentCount: 1,
  },
  {
    key: 'springForwardAfter',
    description: 'Role created 01:30 UTC on the last spring-forward day (02:30 BST)',
    title: 'Mx',
    firstName: 'Kai',
    lastName: 'Nowak',
    assignmentCount: 1,
  },
  {
    key: 'fallBackBefore',
    description: 'Role created 00:30 UTC on the last fall-back day (01:30 BST)',
    title: 'Mrs',
    firstName: 'Deepa',
    lastName: 'Kaur',
    assignmentCount: 3,
  },
  {
    key: 'fallBackAfter',
    description: 'Role created 01:30 UTC on the last fall-back day (01:30 GMT, the repeated hour)',
    title: 'Mr',
    firstName: 'Emeka',
    lastName: 'Mensah',
    assignmentCount: 1,
  },
  {
    key: 'deletedInError',
    description: 'Role assigned in error 36 hours before start-up and deleted 10 hours later',
    title: 'Ms',
    firstName: 'Zara',
    lastName: 'Smith-Jones',
    assignmentCount: 1,
  },
  {
    key: 'withoutRole',
    description: 'Active employee without the role (for assigning it in tests)',
    title: 'Mr',
    firstName: 'Liam',
    lastName: 'Murphy',
    assignmentCount: 1,
  },
];

/** Number of fixture role assignments that a listing at start-up contains. */
export const FIXTURE_LISTED_ROLE_COUNT = 9;

export interface FixturePerson {
  key: FixtureKey;
  description: string;
  vpd: string;
  employeeNumber: string;
}

/** One step of a fixture role assignment's history; `at` is the change time, or 'baseline'. */
export interface FixtureRoleEvent {
  fixture: FixtureKey;
  at: number | 'baseline';
  kind: 'create' | 'end-date' | 'delete';
  createdAt?: number;
  effectiveStartDay?: number;
  effectiveEndDay?: number | null;
  lastUpdatedAt?: number;
}

export interface DatasetOptions {
  seed: number;
  vpdCount: number;
  roleAssignments: number;
  /** Start-up instant (ms) that relative dates are measured from. */
  anchor: number;
}

interface VpdLayout {
  index: number;
  code: string;
  organisationName: string;
  /** Fixture people at positions 0..reserved-1 (VPD 979 only). */
  reserved: number;
  /** Generated role-assignment slots. */
  holders: number;
  people: number;
  /** Global position of this VPD's person 0. */
  offset: number;
}

/** Status of a person: cheap to compute, because every role assignment in a listing needs it. */
export interface PersonStatus {
  systemPersonType: SystemPersonType;
  active: boolean;
  hireDay: number | null;
  terminationDay: number | null;
}

export interface PersonRef {
  vpdIndex: number;
  index: number;
}

/** How long before the anchor the baseline watermark (start of the seeded change history) lies. */
export const BASELINE_AGE_MS = 48 * 3_600_000;

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
    this.layouts = this.layOut(vpdCount, Math.max(0, roleAssignments - FIXTURE_LISTED_ROLE_COUNT));
    for (const layout of this.layouts) this.byCode.set(layout.code, layout);
    this.sortedVpds = this.layouts
      .map((l) => ({ vpd: l.code, organisationName: l.organisationName, active: true }))
      .sort((a, b) => a.vpd.localeCompare(b.vpd));
    this.niPermutation = new AffinePermutation(NI_SPACE, NI_MULTIPLIER, hashKey(seed, Salt.NiOffset));
  }

  private layOut(vpdCount: number, generatedHolders: number): VpdLayout[] {
    const rng = new Rng(hashKey(this.seed, Salt.VpdLayout));
    const codes = Array.from({ length: 1000 }, (_, n) => n.toString().padStart(3, '0')).filter((c) => c !== HOME_VPD);
    const names = Array.from({ length: ORGANISATION_NAME_CAPACITY - 1 }, (_, n) => n + 1);
    shuffle(codes, rng);
    shuffle(names, rng);
    const weights = Array.from({ length: vpdCount }, () => 0.25 + rng.next() * 1.75);
    const holders = allocate(generatedHolders, weights);
    const layouts: VpdLayout[] = [];
    let offset = 0;
    for (let index = 0; index < vpdCount; index++) {
      const reserved = index === 0 ? FIXTURE_PEOPLE.length : 0;
      const count = holders[index];
      const people = reserved + Math.max(MIN_PEOPLE_PER_VPD, count * PEOPLE_PER_HOLDER);
      layouts.push({
        index,
        code: index === 0 ? HOME_VPD : codes[index - 1],
        organisationName: organisationName(index === 0 ? 0 : names[index - 1]),
        reserved,
        holders: count,
        people,
        offset,
      });
      offset += people;
    }
    if (offset > EMPLOYEE_NUMBER_SPACE) throw new RangeError('too many people for 8-digit employee numbers');
    return layouts;
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
      person: { active: status.active, systemPersonType: status.systemPersonType },
    };
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
    const layout = this.layout(ref.vpdIndex);
    const status = this.personStatus(ref);
    const fixture = this.fixtureSpec(ref);
    const holdsRole = fixture ? fixture.key !== 'withoutRole' : this.slotOf(ref) !== undefined;
    const rng = new Rng(hashKey(this.seed, Salt.PersonDetail, ref.vpdIndex, ref.index));
    const employeeNumber = this.employeeNumber(ref);
    const today = this.anchorDay;

    const title = fixture ? fixture.title : rng.weighted<string | null>(TITLES);
    const firstName = fixture ? fixture.firstName : rng.pick(FIRST_NAMES);
    const middleNames = rng.chance(0.3) ? rng.pick(MIDDLE_NAMES) : null;
    const lastName = fixture ? fixture.lastName : rng.pick(LAST_NAMES);
    // At least 18 at hire (and today), at most about 20 years older than that.
    const dateOfBirth = Math.min(today, status.hireDay ?? today) - 18 * 366 - rng.int(0, 20 * 365);
    const ni = this.niNumberOf(ref);

    const group: StaffGroup = holdsRole
      ? (STAFF_GROUPS.find((g) => g.name === ROLE_HOLDER_STAFF_GROUP) as StaffGroup)
      : rng.weighted(STAFF_GROUPS.map((g) => [g, g.weight] as const));
    const employed = status.systemPersonType === 'EMP' || status.systemPersonType === 'EX_EMP';
    const assignments = employed ? this.assignments(rng, ref, status, group, holdsRole, fixture) : [];
    const primary = assignments.find((a) => a.primary);

    return {
      employeeNumber,
      vpd: layout.code,
      title,
      firstName,
      lastName,
      dateOfBirth: formatDay(dateOfBirth),
      systemPersonType: status.systemPersonType,
      primaryAssignmentNumber: primary?.assignmentNumber ?? null,
      middleNames,
      niNumberMasked: ni === null ? null : `${ni.slice(0, 2)}****${ni.slice(6)}`,
      hireDate: status.hireDay === null ? null : formatDay(status.hireDay),
      actualTerminationDate: status.terminationDay === null ? null : formatDay(status.terminationDay),
      assignments,
      employmentChecks: this.employmentChecks(rng, status, group),
      registrations: employed ? this.registrations(rng, group) : [],
      competences: employed ? this.competences(rng, status) : [],
      immunisations: employed ? this.immunisations(rng, status) : [],
    };
  }

  /** The search-result view of a person. */
  static summary(person: Person): PersonSummary {
    return {
      employeeNumber: person.employeeNumber,
      vpd: person.vpd,
      title: person.title,
      firstName: person.firstName,
      lastName: person.lastName,
      dateOfBirth: person.dateOfBirth,
      systemPersonType: person.systemPersonType,
      primaryAssignmentNumber: person.primaryAssignmentNumber,
    };
  }

  private assignments(
    rng: Rng,
    ref: PersonRef,
    status: PersonStatus,
    group: StaffGroup,
    holdsRole: boolean,
    fixture: FixturePersonSpec | undefined,
  ): PersonAssignment[] {
    const employeeNumber = this.employeeNumber(ref);
    const code = this.vpdCode(ref.vpdIndex);
    const count = fixture
      ? fixture.assignmentCount
      : rng.weighted([
          [1, 70],
          [2, 22],
          [3, 8],
        ] as const);
    const hireDay = status.hireDay ?? this.anchorDay;
    const lastDay = status.terminationDay ?? this.anchorDay;
    // With several assignments, the first sometimes ended and a later one became primary.
    const primaryIndex = count > 1 && !fixture && rng.chance(0.15) ? 1 : 0;
    const result: PersonAssignment[] = [];
    for (let n = 0; n < count; n++) {
      const start = n === 0 ? hireDay : Math.min(lastDay, hireDay + rng.int(30, Math.max(31, lastDay - hireDay)));
      let assignmentStatus: PersonAssignment['status'];
      let end: number | null = null;
      if (status.terminationDay !== null) {
        assignmentStatus = 'TERMINATED';
        end = status.terminationDay;
      } else if (n === primaryIndex) {
        assignmentStatus = 'ACTIVE';
      } else if (n < primaryIndex) {
        assignmentStatus = 'TERMINATED';
        end = Math.max(start, hireDay + rng.int(30, Math.max(31, this.anchorDay - hireDay)) - 1);
      } else {
        assignmentStatus = rng.weighted<PersonAssignment['status']>([
          ['ACTIVE', 70],
          ['SUSPENDED', 10],
          ['TERMINATED', 20],
        ]);
        if (assignmentStatus === 'TERMINATED') end = Math.max(start, this.anchorDay - rng.int(1, 365));
      }
      const jobRole = holdsRole && n === primaryIndex ? rng.pick(ROLE_HOLDER_JOB_ROLES) : rng.pick(group.jobRoles);
      const department = rng.pick(DEPARTMENTS);
      result.push({
        assignmentNumber: n === 0 ? employeeNumber : `${employeeNumber}-${n + 1}`,
        primary: n === primaryIndex,
        status: assignmentStatus,
        positionName: `${jobRole} ${rng.pick(BANDS)} - ${department}`,
        jobRole,
        staffGroup: group.name,
        organisationName: `${code} ${department}`,
        effectiveStartDate: formatDay(start),
        effectiveEndDate: end === null ? null : formatDay(end),
      });
    }
    return result;
  }

  private employmentChecks(rng: Rng, status: PersonStatus, group: StaffGroup): EmploymentCheck[] {
    const today = this.anchorDay;
    if (status.systemPersonType === 'APL') {
      return [
        { type: 'IDENTITY', status: rng.pick(['PENDING', 'VERIFIED'] as const), checkedDate: null, expiryDate: null, reference: null },
        { type: 'RIGHT_TO_WORK', status: 'PENDING', checkedDate: null, expiryDate: null, reference: null },
        { type: 'DBS', status: 'NOT_CHECKED', checkedDate: null, expiryDate: null, reference: null },
      ];
    }
    if (status.systemPersonType === 'OTHER') return [];
    const hire = status.hireDay ?? today;
    const checked = (): number => hire - rng.int(5, 60);
    const checks: EmploymentCheck[] = [];
    checks.push({ type: 'IDENTITY', status: 'VERIFIED', checkedDate: formatDay(checked()), expiryDate: null, reference: null });
    const visa = rng.chance(0.15);
    const visaExpiry = today + rng.int(-60, 1500);
    checks.push({
      type: 'RIGHT_TO_WORK',
      status: visa && visaExpiry < today ? 'EXPIRED' : 'VERIFIED',
      checkedDate: formatDay(checked()),
      expiryDate: visa ? formatDay(visaExpiry) : null,
      reference: visa ? `W${rng.int(10_000_000, 99_999_999)}` : null,
    });
    const dbsChecked = Math.min(today, hire - rng.int(10, 40) + (rng.chance(0.4) ? rng.int(0, 1500) : 0));
    const dbsExpiry = dbsChecked + 3 * 365;
    const dbsStatus = rng.chance(0.03) ? 'PENDING' : dbsExpiry < today ? 'EXPIRED' : 'VERIFIED';
    checks.push({
      type: 'DBS',
      status: dbsStatus,
      checkedDate: dbsStatus === 'PENDING' ? null : formatDay(dbsChecked),
      expiryDate: dbsStatus === 'PENDING' ? null : formatDay(dbsExpiry),
      reference: dbsStatus === 'PENDING' ? null : String(rng.int(1, 999_999_999_999)).padStart(12, '0'),
    });
    checks.push({
      type: 'EMPLOYMENT_HISTORY',
      status: rng.chance(0.9) ? 'VERIFIED' : 'NOT_CHECKED',
      checkedDate: formatDay(checked()),
      expiryDate: null,
      reference: null,
    });
    checks.push({
      type: 'OCCUPATIONAL_HEALTH',
      status: rng.weighted([
        ['VERIFIED', 85],
        ['PENDING', 10],
        ['NOT_CHECKED', 5],
      ] as const),
      checkedDate: formatDay(checked()),
      expiryDate: null,
      reference: null,
    });
    if (group.registration) {
      checks.push({
        type: 'PROFESSIONAL_REGISTRATION',
        status: 'VERIFIED',
        checkedDate: formatDay(Math.min(today, hire + rng.int(0, 700))),
        expiryDate: null,
        reference: null,
      });
    }
    return checks;
  }

  private registrations(rng: Rng, group: StaffGroup): Registration[] {
    const body = group.registration;
    if (!body) return [];
    const letter = (): string => String.fromCharCode(65 + rng.int(0, 25));
    const digits = (n: number): string => String(rng.int(0, 10 ** n - 1)).padStart(n, '0');
    let number: string;
    let expiry: number | null;
    switch (body) {
      case 'NMC':
        number = `${digits(2)}${letter()}${digits(4)}${letter()}`;
        expiry = this.anchorDay + rng.int(-20, 365);
        break;
      case 'GMC':
        number = String(rng.int(3_000_000, 7_999_999));
        expiry = null;
        break;
      case 'HCPC':
        number = `${rng.pick(['PH', 'OT', 'RA', 'PA', 'DT'])}${digits(6)}`;
        expiry = this.anchorDay + rng.int(-20, 730);
        break;
      case 'GPhC':
        number = String(rng.int(2_000_000, 2_299_999));
        expiry = this.anchorDay + rng.int(-20, 365);
        break;
      default:
        number = digits(6);
        expiry = this.anchorDay + rng.int(0, 365);
    }
    const lapsed = expiry !== null && expiry < this.anchorDay;
    const status = lapsed ? 'LAPSED' : rng.chance(0.01) ? 'SUSPENDED' : 'REGISTERED';
    return [{ body, number, status, expiryDate: expiry === null ? null : formatDay(expiry) }];
  }

  private competences(rng: Rng, status: PersonStatus): Competence[] {
    const asOf = status.terminationDay ?? this.anchorDay;
    const result: Competence[] = [];
    for (const subject of CSTF_SUBJECTS) {
      if (!rng.chance(0.85)) continue;
      const level = rng.pick(subject.levels);
      const name = level === null ? subject.subject : `${subject.subject} - Level ${level}`;
      if (rng.chance(0.05)) {
        result.push({ name, cstfSubject: subject.subject, level, status: 'IN_PROGRESS', achievedDate: null, expiryDate: null });
        continue;
      }
      const achieved = asOf - rng.int(0, subject.renewalYears * 365 + 200);
      const expiry = addYears(achieved, subject.renewalYears);
      result.push({
        name,
        cstfSubject: subject.subject,
        level,
        status: expiry < this.anchorDay ? 'EXPIRED' : 'ACHIEVED',
        achievedDate: formatDay(achieved),
        expiryDate: formatDay(expiry),
      });
    }
    return result;
  }

  private immunisations(rng: Rng, status: PersonStatus): Immunisation[] {
    const hire = status.hireDay ?? this.anchorDay;
    const result: Immunisation[] = [];
    for (const { antigen, results } of ANTIGENS) {
      if (!rng.chance(0.6)) continue;
      result.push({ antigen, date: formatDay(Math.min(this.anchorDay, hire - rng.int(-400, 3000))), result: rng.pick(results) });
    }
    return result;
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
    const anchor = this.anchor;
    const day = this.anchorDay;
    const hour = 3_600_000;
    const at = (daysAgo: number, minuteOfDay: number): number => ukLocalToInstant(day - daysAgo, minuteOfDay);
    const created = (fixture: FixtureKey, createdAt: number, extra: Partial<FixtureRoleEvent> = {}): FixtureRoleEvent => ({
      fixture,
      at: createdAt <= anchor - BASELINE_AGE_MS ? 'baseline' : createdAt,
      kind: 'create',
      createdAt,
      effectiveStartDay: ukDay(createdAt),
      effectiveEndDay: null,
      lastUpdatedAt: createdAt,
      ...extra,
    });
    const { spring, autumn } = this.lastClockChanges();
    const leaverStatus = this.personStatus(this.fixtureRef('leaver'));
    const events: FixtureRoleEvent[] = [
      created('established', at(400, 10 * 60 + 12)),
      created('endDatedToday', at(200, 9 * 60 + 5)),
      created('endDatedYesterday', at(300, 14 * 60 + 40)),
      created('leaver', at(500, 11 * 60 + 30), {
        lastUpdatedAt: ukLocalToInstant(leaverStatus.terminationDay as number, 17 * 60),
      }),
      created('springForwardBefore', spring - 30 * 60_000),
      created('springForwardAfter', spring + 30 * 60_000),
      created('fallBackBefore', autumn - 30 * 60_000),
      created('fallBackAfter', autumn + 30 * 60_000),
      { fixture: 'endDatedYesterday', at: anchor - 40 * hour, kind: 'end-date', effectiveEndDay: day - 1 },
      created('deletedInError', anchor - 36 * hour),
      created('futureDated', anchor - 30 * hour, { effectiveStartDay: day + 7 }),
      { fixture: 'deletedInError', at: anchor - 26 * hour, kind: 'delete' },
      { fixture: 'endDatedToday', at: anchor - 20 * hour, kind: 'end-date', effectiveEndDay: day },
      created('assignedWithin24h', anchor - 2 * hour),
    ];
    return events;
  }

  /** The latest spring-forward and fall-back instants at least 3 days before the anchor. */
  lastClockChanges(): { spring: number; autumn: number } {
    const limit = this.anchor - 3 * MS_PER_DAY;
    const year = new Date(this.anchor).getUTCFullYear();
    const latest = (pick: (y: number) => number): number => (pick(year) <= limit ? pick(year) : pick(year - 1));
    return {
      spring: latest((y) => ukClockChanges(y).springForward),
      autumn: latest((y) => ukClockChanges(y).fallBack),
    };
  }
}

function shuffle<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** Splits total into integer shares proportional to weights (largest remainder method). */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let remaining = total - shares.reduce((a, b) => a + b, 0);
  const order = exact
    .map((value, index) => ({ index, fraction: value - Math.floor(value) }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (const { index } of order) {
    if (remaining <= 0) break;
    shares[index] = shares[index] + 1;
    remaining--;
  }
  return shares;
}

/** The same calendar date a number of years later (29 February becomes 28 February). */
function addYears(day: number, years: number): number {
  const date = new Date(day * MS_PER_DAY);
  const target = Date.UTC(date.getUTCFullYear() + years, date.getUTCMonth(), 1);
  const lastDate = new Date(Date.UTC(date.getUTCFullYear() + years, date.getUTCMonth() + 1, 0)).getUTCDate();
  return target / MS_PER_DAY + Math.min(date.getUTCDate(), lastDate) - 1;
}

/**
 * A person's full record as the ESR API shows it (names, assignments, employment checks,
 * registrations by staff group, CSTF competences, immunisations), built by the data set from the
 * person's identifiers and status. Every value is drawn from the person's own seeded stream in one
 * fixed order, so the draws here must keep their order: the same seed gives the same record.
 */
import {
  ANTIGENS,
  BANDS,
  CSTF_SUBJECTS,
  DEPARTMENTS,
  FIRST_NAMES,
  LAST_NAMES,
  MIDDLE_NAMES,
  ROLE_HOLDER_JOB_ROLES,
  ROLE_HOLDER_STAFF_GROUP,
  STAFF_GROUPS,
  StaffGroup,
  TITLES,
} from './sandbox.catalogue';
import { withCheckDetails } from './sandbox.check-details';
import { FixturePersonSpec } from './sandbox.fixtures';
import { Rng } from './sandbox.random';
import { formatDay, MS_PER_DAY } from './sandbox.time';
import {
  Competence,
  EmploymentCheck,
  Immunisation,
  Person,
  PersonAssignment,
  PersonSummary,
  Registration,
  SystemPersonType,
} from './sandbox.types';

/** Status of a person: cheap to compute, because every role assignment in a listing needs it. */
export interface PersonStatus {
  systemPersonType: SystemPersonType;
  active: boolean;
  hireDay: number | null;
  terminationDay: number | null;
}

/** What a person's record is built from. */
export interface PersonRecordInput {
  /** The person's own detail stream, with nothing drawn from it yet. */
  rng: Rng;
  /** The UK day of the data set's anchor ("today"). */
  anchorDay: number;
  vpd: string;
  employeeNumber: string;
  /** The full NI number, or null for a person who has none recorded. */
  niNumber: string | null;
  status: PersonStatus;
  /** The fixture this person is (its names and assignment count are fixed), if any. */
  fixture: FixturePersonSpec | undefined;
  holdsRole: boolean;
}

/** A person's names: the first draws of their detail stream, so a role listing can name holders cheaply. */
export function personNames(
  rng: Rng,
  fixture: FixturePersonSpec | undefined,
): Pick<Person, 'title' | 'firstName' | 'middleNames' | 'lastName'> {
  const title = fixture ? fixture.title : rng.weighted<string | null>(TITLES);
  const firstName = fixture ? fixture.firstName : rng.pick(FIRST_NAMES);
  const middleNames = rng.chance(0.3) ? rng.pick(MIDDLE_NAMES) : null;
  const lastName = fixture ? fixture.lastName : rng.pick(LAST_NAMES);
  return { title, firstName, middleNames, lastName };
}

/** A person's full record as generated (before any admin change). */
export function personRecord(input: PersonRecordInput): Person {
  const { rng, anchorDay: today, status, fixture, holdsRole, niNumber: ni } = input;

  const { title, firstName, middleNames, lastName } = personNames(rng, fixture);
  // At least 18 at hire (and today), at most about 20 years older than that.
  const dateOfBirth = Math.min(today, status.hireDay ?? today) - 18 * 366 - rng.int(0, 20 * 365);

  const group: StaffGroup = holdsRole
    ? (STAFF_GROUPS.find((g) => g.name === ROLE_HOLDER_STAFF_GROUP) as StaffGroup)
    : rng.weighted(STAFF_GROUPS.map((g) => [g, g.weight] as const));
  const employed = status.systemPersonType === 'EMP' || status.systemPersonType === 'EX_EMP';
  const assignmentList = employed ? assignments(rng, input, group) : [];
  const primary = assignmentList.find((a) => a.primary);

  return {
    employeeNumber: input.employeeNumber,
    vpd: input.vpd,
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
    assignments: assignmentList,
    employmentChecks: withCheckDetails(employmentChecks(rng, today, status, group), input.employeeNumber, group),
    registrations: employed ? registrations(rng, today, group) : [],
    competences: employed ? competences(rng, today, status) : [],
    immunisations: employed ? immunisations(rng, today, status) : [],
  };
}

/** The search-result view of a person. */
export function personSummary(person: Person): PersonSummary {
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

function assignments(rng: Rng, input: PersonRecordInput, group: StaffGroup): PersonAssignment[] {
  const { anchorDay, employeeNumber, vpd: code, status, holdsRole, fixture } = input;
  const count = fixture
    ? fixture.assignmentCount
    : rng.weighted([
        [1, 70],
        [2, 22],
        [3, 8],
      ] as const);
  const hireDay = status.hireDay ?? anchorDay;
  const lastDay = status.terminationDay ?? anchorDay;
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
      end = Math.max(start, hireDay + rng.int(30, Math.max(31, anchorDay - hireDay)) - 1);
    } else {
      assignmentStatus = rng.weighted<PersonAssignment['status']>([
        ['ACTIVE', 70],
        ['SUSPENDED', 10],
        ['TERMINATED', 20],
      ]);
      if (assignmentStatus === 'TERMINATED') end = Math.max(start, anchorDay - rng.int(1, 365));
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

function employmentChecks(rng: Rng, today: number, status: PersonStatus, group: StaffGroup): EmploymentCheck[] {
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

function registrations(rng: Rng, anchorDay: number, group: StaffGroup): Registration[] {
  const body = group.registration;
  if (!body) return [];
  const letter = (): string => String.fromCharCode(65 + rng.int(0, 25));
  const digits = (n: number): string => String(rng.int(0, 10 ** n - 1)).padStart(n, '0');
  let number: string;
  let expiry: number | null;
  switch (body) {
    case 'NMC':
      number = `${digits(2)}${letter()}${digits(4)}${letter()}`;
      expiry = anchorDay + rng.int(-20, 365);
      break;
    case 'GMC':
      number = String(rng.int(3_000_000, 7_999_999));
      expiry = null;
      break;
    case 'HCPC':
      number = `${rng.pick(['PH', 'OT', 'RA', 'PA', 'DT'])}${digits(6)}`;
      expiry = anchorDay + rng.int(-20, 730);
      break;
    case 'GPhC':
      number = String(rng.int(2_000_000, 2_299_999));
      expiry = anchorDay + rng.int(-20, 365);
      break;
    default:
      number = digits(6);
      expiry = anchorDay + rng.int(0, 365);
  }
  const lapsed = expiry !== null && expiry < anchorDay;
  const status = lapsed ? 'LAPSED' : rng.chance(0.01) ? 'SUSPENDED' : 'REGISTERED';
  return [{ body, number, status, expiryDate: expiry === null ? null : formatDay(expiry) }];
}

function competences(rng: Rng, anchorDay: number, status: PersonStatus): Competence[] {
  const asOf = status.terminationDay ?? anchorDay;
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
      status: expiry < anchorDay ? 'EXPIRED' : 'ACHIEVED',
      achievedDate: formatDay(achieved),
      expiryDate: formatDay(expiry),
    });
  }
  return result;
}

function immunisations(rng: Rng, anchorDay: number, status: PersonStatus): Immunisation[] {
  const hire = status.hireDay ?? anchorDay;
  const result: Immunisation[] = [];
  for (const { antigen, results } of ANTIGENS) {
    if (!rng.chance(0.6)) continue;
    result.push({ antigen, date: formatDay(Math.min(anchorDay, hire - rng.int(-400, 3000))), result: rng.pick(results) });
  }
  return result;
}

/** The same calendar date a number of years later (29 February becomes 28 February). */
function addYears(day: number, years: number): number {
  const date = new Date(day * MS_PER_DAY);
  const target = Date.UTC(date.getUTCFullYear() + years, date.getUTCMonth(), 1);
  const lastDate = new Date(Date.UTC(date.getUTCFullYear() + years, date.getUTCMonth() + 1, 0)).getUTCDate();
  return target / MS_PER_DAY + Math.min(date.getUTCDate(), lastDate) - 1;
}

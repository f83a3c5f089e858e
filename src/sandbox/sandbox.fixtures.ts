/**
 * The awkward cases ("fixtures") of the sandbox's data set: twelve people at VPD 979's first
 * positions (so their employee numbers never change, whatever the seed) and the seeded history of
 * their role assignments, which the store replays at start-up. They are documented in
 * src/sandbox/README.md.
 */
import { MS_PER_DAY, ukClockChanges, ukDay, ukLocalToInstant } from './sandbox.time';

/** The VPD that is always present, and its well-known role holder. */
export const HOME_VPD = '979';
export const HOME_EMPLOYEE_NUMBER = '30581377';

/** How long before the anchor the baseline watermark (start of the seeded change history) lies. */
export const BASELINE_AGE_MS = 48 * 3_600_000;

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

export interface FixturePersonSpec {
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
export const FIXTURE_PEOPLE: readonly FixturePersonSpec[] = [
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

/**
 * The history of the fixture role assignments, for a data set anchored at `anchor` whose leaver
 * left on `leaverTerminationDay`: 'baseline' events make up the state at the baseline watermark
 * (48 hours before start-up); timed events come after it, in time order.
 */
export function fixtureRoleEvents(anchor: number, leaverTerminationDay: number): FixtureRoleEvent[] {
  const day = ukDay(anchor);
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
  const { spring, autumn } = lastClockChanges(anchor);
  const events: FixtureRoleEvent[] = [
    created('established', at(400, 10 * 60 + 12)),
    created('endDatedToday', at(200, 9 * 60 + 5)),
    created('endDatedYesterday', at(300, 14 * 60 + 40)),
    created('leaver', at(500, 11 * 60 + 30), {
      lastUpdatedAt: ukLocalToInstant(leaverTerminationDay, 17 * 60),
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
export function lastClockChanges(anchor: number): { spring: number; autumn: number } {
  const limit = anchor - 3 * MS_PER_DAY;
  const year = new Date(anchor).getUTCFullYear();
  const latest = (pick: (y: number) => number): number => (pick(year) <= limit ? pick(year) : pick(year - 1));
  return {
    spring: latest((y) => ukClockChanges(y).springForward),
    autumn: latest((y) => ukClockChanges(y).fallBack),
  };
}

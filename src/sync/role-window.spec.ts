import type { EsrRoleAssignment } from '../esr/esr.types';
import { effectiveFrom, effectiveUntil, toCachedRole } from './role-window';

const H = 3_600_000;

describe('effectiveFrom', () => {
  const cases: Array<{ name: string; createdAt: string; start: string; delayMs: number; expected: string }> = [
    {
      name: 'assigned today: 24 hours after assignment',
      createdAt: '2026-11-25T10:12:00Z',
      start: '2026-11-25',
      delayMs: 24 * H,
      expected: '2026-11-26T10:12:00.000Z',
    },
    {
      name: 'start date ahead (winter): midnight GMT of the start date',
      createdAt: '2026-01-05T09:00:00Z',
      start: '2026-02-01',
      delayMs: 24 * H,
      expected: '2026-02-01T00:00:00.000Z',
    },
    {
      name: 'start date ahead (summer): midnight BST is 23:00 UTC the day before',
      createdAt: '2026-05-01T09:00:00Z',
      start: '2026-07-01',
      delayMs: 24 * H,
      expected: '2026-06-30T23:00:00.000Z',
    },
    {
      name: 'start on the spring clock change day (midnight is still GMT)',
      createdAt: '2026-03-01T09:00:00Z',
      start: '2026-03-29',
      delayMs: 24 * H,
      expected: '2026-03-29T00:00:00.000Z',
    },
    {
      name: 'start the day after spring forward (midnight BST)',
      createdAt: '2026-03-01T09:00:00Z',
      start: '2026-03-30',
      delayMs: 24 * H,
      expected: '2026-03-29T23:00:00.000Z',
    },
    {
      name: 'start on the autumn clock change day (midnight is still BST)',
      createdAt: '2026-10-01T09:00:00Z',
      start: '2026-10-25',
      delayMs: 24 * H,
      expected: '2026-10-24T23:00:00.000Z',
    },
    {
      name: 'start the day after fall back (midnight GMT)',
      createdAt: '2026-10-01T09:00:00Z',
      start: '2026-10-26',
      delayMs: 24 * H,
      expected: '2026-10-26T00:00:00.000Z',
    },
    {
      name: 'delay across spring forward is 24 elapsed hours (12:00 GMT -> 13:00 BST)',
      createdAt: '2026-03-28T12:00:00Z',
      start: '2026-03-28',
      delayMs: 24 * H,
      expected: '2026-03-29T12:00:00.000Z',
    },
    {
      name: 'delay across fall back is 24 elapsed hours (12:00 BST -> 11:00 GMT)',
      createdAt: '2026-10-24T12:00:00+01:00',
      start: '2026-10-24',
      delayMs: 24 * H,
      expected: '2026-10-25T11:00:00.000Z',
    },
    {
      name: 'assigned inside the repeated autumn hour (second 01:30, GMT)',
      createdAt: '2026-10-25T01:30:00+00:00',
      start: '2026-10-25',
      delayMs: 24 * H,
      expected: '2026-10-26T01:30:00.000Z',
    },
    {
      name: 'assigned inside the repeated autumn hour (first 01:30, BST)',
      createdAt: '2026-10-25T01:30:00+01:00',
      start: '2026-10-25',
      delayMs: 24 * H,
      expected: '2026-10-26T00:30:00.000Z',
    },
    {
      name: 'a 48 hour delay across fall back',
      createdAt: '2026-10-24T08:00:00+01:00',
      start: '2026-10-24',
      delayMs: 48 * H,
      expected: '2026-10-26T07:00:00.000Z',
    },
    {
      name: 'zero delay: the assignment instant when the start date has begun',
      createdAt: '2026-06-15T08:30:00+01:00',
      start: '2026-06-15',
      delayMs: 0,
      expected: '2026-06-15T07:30:00.000Z',
    },
    {
      name: 'back-dated start date: the delay decides',
      createdAt: '2026-11-25T10:12:00Z',
      start: '2026-01-01',
      delayMs: 24 * H,
      expected: '2026-11-26T10:12:00.000Z',
    },
    {
      name: 'delay ends on a leap day',
      createdAt: '2028-02-28T15:00:00Z',
      start: '2028-02-28',
      delayMs: 24 * H,
      expected: '2028-02-29T15:00:00.000Z',
    },
    {
      name: 'start on a leap day',
      createdAt: '2028-01-10T15:00:00Z',
      start: '2028-02-29',
      delayMs: 24 * H,
      expected: '2028-02-29T00:00:00.000Z',
    },
    {
      name: 'delay past a leap day into March',
      createdAt: '2028-02-29T22:30:00Z',
      start: '2028-02-29',
      delayMs: 24 * H,
      expected: '2028-03-01T22:30:00.000Z',
    },
    {
      name: 'delay and start date tie: the same instant',
      createdAt: '2026-12-01T00:00:00Z',
      start: '2026-12-02',
      delayMs: 24 * H,
      expected: '2026-12-02T00:00:00.000Z',
    },
  ];

  it.each(cases)('should give $expected when $name', ({ createdAt, start, delayMs, expected }) => {
    expect(effectiveFrom(createdAt, start, delayMs)).toBe(expected);
  });

  it('should refuse a date that is not a calendar date', () => {
    expect(() => effectiveFrom('2026-11-25T10:12:00Z', '2027-02-29', 0)).toThrow(RangeError);
  });
});

describe('effectiveUntil', () => {
  const cases: Array<{ name: string; end: string | null; expected: string | null }> = [
    { name: 'open-ended', end: null, expected: null },
    { name: 'winter end date: midnight GMT after it', end: '2026-01-15', expected: '2026-01-16T00:00:00.000Z' },
    { name: 'summer end date: midnight BST after it', end: '2026-07-15', expected: '2026-07-15T23:00:00.000Z' },
    { name: 'end on the spring clock change day (a 23 hour day)', end: '2026-03-29', expected: '2026-03-29T23:00:00.000Z' },
    { name: 'end the day before spring forward', end: '2026-03-28', expected: '2026-03-29T00:00:00.000Z' },
    { name: 'end on the autumn clock change day (a 25 hour day)', end: '2026-10-25', expected: '2026-10-26T00:00:00.000Z' },
    { name: 'end the day before fall back', end: '2026-10-24', expected: '2026-10-24T23:00:00.000Z' },
    { name: 'end on a leap day', end: '2028-02-29', expected: '2028-03-01T00:00:00.000Z' },
    { name: 'end the day before a leap day', end: '2028-02-28', expected: '2028-02-29T00:00:00.000Z' },
    { name: "end on New Year's Eve", end: '2026-12-31', expected: '2027-01-01T00:00:00.000Z' },
  ];

  it.each(cases)('should give $expected when $name', ({ end, expected }) => {
    expect(effectiveUntil(end)).toBe(expected);
  });

  it('should refuse a date that is not a calendar date', () => {
    expect(() => effectiveUntil('2026-02-30')).toThrow(RangeError);
  });
});

const assignment = (over: Partial<EsrRoleAssignment> = {}): EsrRoleAssignment => ({
  assignmentId: 'RA-1',
  vpd: '979',
  employeeNumber: '30581377',
  roleName: 'Digital Passport Administrator',
  roleCategory: 'NHS Supplementary Role',
  effectiveStartDate: '2026-11-25',
  effectiveEndDate: null,
  createdAt: '2026-11-25T10:12:00.000+00:00',
  lastUpdatedAt: '2026-11-25T10:12:00.000+00:00',
  personActive: true,
  systemPersonType: 'EMP',
  displayName: null,
  ...over,
});

describe('toCachedRole', () => {
  it('should compute the window and keep the ESR dates', () => {
    expect(toCachedRole(assignment({ effectiveEndDate: '2026-12-31', lastUpdatedAt: '2026-11-26T09:00:00+00:00' }), 24 * H)).toEqual({
      assignmentId: 'RA-1',
      employeeNumber: '30581377',
      assignedAt: '2026-11-25T10:12:00.000Z',
      startDate: '2026-11-25',
      endDate: '2026-12-31',
      effectiveFrom: '2026-11-26T10:12:00.000Z',
      effectiveUntil: '2027-01-01T00:00:00.000Z',
      personActive: true,
      lastUpdatedAt: '2026-11-26T09:00:00.000Z',
    });
  });

  it('should normalise offsets to UTC', () => {
    const role = toCachedRole(assignment({ createdAt: '2026-07-01T09:00:00.000+01:00', effectiveStartDate: '2026-07-01' }), 24 * H);
    expect(role.assignedAt).toBe('2026-07-01T08:00:00.000Z');
    expect(role.effectiveFrom).toBe('2026-07-02T08:00:00.000Z');
  });
});

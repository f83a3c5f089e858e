import { FIXTURE_LISTED_ROLE_COUNT, HOME_EMPLOYEE_NUMBER } from './sandbox.fixtures';
import { SandboxDataset } from './sandbox.generator';
import { allocate } from './sandbox.layout';

const ANCHOR = Date.parse('2026-11-25T10:00:00Z');
const make = (overrides: Partial<ConstructorParameters<typeof SandboxDataset>[0]> = {}) =>
  new SandboxDataset({ seed: 1, vpdCount: 3, roleAssignments: 60, anchor: ANCHOR, ...overrides });

describe(SandboxDataset.name, () => {
  it('should always include VPD 979 with employee 30581377 as its first person', () => {
    for (const seed of [0, 1, 99, 2 ** 31 - 1]) {
      const dataset = make({ seed, vpdCount: 1 });
      expect(dataset.vpds().map((v) => v.vpd)).toEqual(['979']);
      expect(dataset.employeeNumber({ vpdIndex: 0, index: 0 })).toBe(HOME_EMPLOYEE_NUMBER);
      expect(dataset.findByEmployeeNumber(0, HOME_EMPLOYEE_NUMBER)).toEqual({ vpdIndex: 0, index: 0 });
    }
  });

  it('should give the awkward cases the employee numbers the README lists, whatever the seed', () => {
    const expected = {
      established: '30581377',
      assignedWithin24h: '68114448',
      futureDated: '15647519',
      endDatedToday: '53180590',
      endDatedYesterday: '90713661',
      leaver: '38246732',
      springForwardBefore: '75779803',
      springForwardAfter: '23312874',
      fallBackBefore: '60845945',
      fallBackAfter: '98379016',
      deletedInError: '45912087',
      withoutRole: '83445158',
    };
    for (const seed of [1, 2, 12_345]) {
      const fixtures = make({ seed, vpdCount: 10, roleAssignments: 5_000 }).fixturePeople();
      expect(Object.fromEntries(fixtures.map((f) => [f.key, f.employeeNumber]))).toEqual(expected);
    }
  });

  it('should make distinct 3-digit VPDs with distinct organisation names, up to 1,000 of them', () => {
    const dataset = make({ vpdCount: 1000, roleAssignments: 0 });
    const vpds = dataset.vpds();
    expect(vpds).toHaveLength(1000);
    expect(new Set(vpds.map((v) => v.vpd)).size).toBe(1000);
    expect(new Set(vpds.map((v) => v.organisationName)).size).toBe(1000);
    expect(vpds.every((v) => /^\d{3}$/.test(v.vpd) && v.active)).toBe(true);
  });

  it('should be the same for the same seed and differ for another', () => {
    const a = make({ seed: 5 });
    const b = make({ seed: 5 });
    const c = make({ seed: 6 });
    const sample = (d: SandboxDataset) => [d.vpds(), d.generatedRoleAssignment(1, 0), d.person({ vpdIndex: 1, index: 3 })];
    expect(sample(b)).toEqual(sample(a));
    expect(sample(c)).not.toEqual(sample(a));
  });

  it('should spread the generated role assignments so that with the fixtures they add up to the total', () => {
    const dataset = make({ vpdCount: 7, roleAssignments: 12_345 });
    expect(dataset.totalHolderSlots()).toBe(12_345 - FIXTURE_LISTED_ROLE_COUNT);
    expect(make({ roleAssignments: 0 }).totalHolderSlots()).toBe(0);
  });

  it('should map holders to slots and back, and employee and NI numbers to people and back', () => {
    const dataset = make({ vpdCount: 5, roleAssignments: 5_000 });
    for (let vpdIndex = 0; vpdIndex < 5; vpdIndex++) {
      for (let slot = 0; slot < dataset.holderSlots(vpdIndex); slot += 97) {
        const ref = dataset.holderOf(vpdIndex, slot);
        expect(dataset.slotOf(ref)).toBe(slot);
        const employeeNumber = dataset.employeeNumber(ref);
        expect(employeeNumber).toMatch(/^\d{8}$/);
        expect(dataset.findByEmployeeNumber(vpdIndex, employeeNumber)).toEqual(ref);
        expect(dataset.findByEmployeeNumber((vpdIndex + 1) % 5, employeeNumber)).toBeUndefined();
        const ni = dataset.niNumber(ref);
        expect(ni).toMatch(/^[A-Z]{2}\d{6}[A-D]$/);
        expect(dataset.findByNiNumber(vpdIndex, ni)).toEqual(dataset.niNumberOf(ref) === null ? undefined : ref);
      }
    }
    const employees = new Set<string>();
    for (let index = 0; index < dataset.peopleCount(0); index++) employees.add(dataset.employeeNumber({ vpdIndex: 0, index }));
    expect(employees.size).toBe(dataset.peopleCount(0));
  });

  it('should generate people with the shapes ESR has: suffixed assignments, registrations, CSTF competences', () => {
    const dataset = make({ vpdCount: 2, roleAssignments: 2_000 });
    const people = Array.from({ length: 400 }, (_, index) => dataset.person({ vpdIndex: 1, index }));
    const types = new Set(people.map((p) => p.systemPersonType));
    expect(types).toEqual(new Set(['EMP', 'EX_EMP', 'APL', 'OTHER']));
    const numbers = people.flatMap((p) => p.assignments.map((a) => a.assignmentNumber));
    expect(numbers.some((n) => n.endsWith('-2'))).toBe(true);
    expect(numbers.some((n) => n.endsWith('-3'))).toBe(true);
    expect(people.some((p) => p.primaryAssignmentNumber?.endsWith('-2'))).toBe(true);
    expect(new Set(people.flatMap((p) => p.registrations.map((r) => r.body)))).toEqual(new Set(['NMC', 'GMC', 'HCPC', 'GPhC']));
    expect(people.some((p) => p.competences.some((c) => c.status === 'EXPIRED'))).toBe(true);
    expect(people.some((p) => p.immunisations.some((i) => i.antigen === 'Varicella'))).toBe(true);
    for (const person of people) {
      expect(
        person.assignments.every(
          (a) => a.assignmentNumber === person.employeeNumber || a.assignmentNumber.startsWith(`${person.employeeNumber}-`),
        ),
      ).toBe(true);
      expect(person.niNumberMasked === null || /^[A-Z]{2}\*{4}\d{2}[A-D]$/.test(person.niNumberMasked)).toBe(true);
      if (person.systemPersonType === 'EMP') expect(person.assignments.some((a) => a.primary && a.status === 'ACTIVE')).toBe(true);
      if (person.systemPersonType === 'EX_EMP') expect(person.assignments.every((a) => a.status === 'TERMINATED')).toBe(true);
      if (person.hireDate) expect(person.dateOfBirth < person.hireDate).toBe(true);
    }
  });

  it('should keep role holders employed or leavers, and their rows consistent with them', () => {
    const dataset = make({ vpdCount: 2, roleAssignments: 3_000 });
    for (let slot = 0; slot < dataset.holderSlots(1); slot += 3) {
      const row = dataset.generatedRoleAssignment(1, slot);
      const status = dataset.personStatus(dataset.holderOf(1, slot));
      const person = dataset.person(dataset.holderOf(1, slot));
      expect(row.person).toEqual({
        active: status.active,
        systemPersonType: status.systemPersonType,
        title: person.title,
        firstName: person.firstName,
        lastName: person.lastName,
      });
      expect(['EMP', 'EX_EMP']).toContain(row.person.systemPersonType);
      expect(Date.parse(row.createdAt)).toBeLessThan(ANCHOR - 48 * 3_600_000);
      expect(row.effectiveEndDate === null || row.effectiveEndDate >= '2026-12-25').toBe(true);
    }
  });

  it('should put the fixture roles either side of the last UK clock changes', () => {
    const dataset = make();
    expect(dataset.lastClockChanges()).toEqual({
      spring: Date.parse('2026-03-29T01:00:00Z'),
      autumn: Date.parse('2026-10-25T01:00:00Z'),
    });
    const early = new SandboxDataset({ seed: 1, vpdCount: 1, roleAssignments: 0, anchor: Date.parse('2026-03-30T12:00:00Z') });
    expect(new Date(early.lastClockChanges().spring).toISOString()).toBe('2025-03-30T01:00:00.000Z');
    const timed = dataset.fixtureRoleEvents().filter((e) => e.at !== 'baseline');
    expect(timed.map((e) => e.at)).toEqual([...timed.map((e) => e.at)].sort((a, b) => (a as number) - (b as number)));
  });

  it('should build a 1,000,000-assignment data set without materialising it', () => {
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const dataset = make({ vpdCount: 500, roleAssignments: 1_000_000 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(dataset.totalHolderSlots()).toBe(1_000_000 - FIXTURE_LISTED_ROLE_COUNT);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(20 * 1024 * 1024);
  });

  it('should refuse impossible options', () => {
    expect(() => make({ vpdCount: 0 })).toThrow(RangeError);
    expect(() => make({ vpdCount: 1001 })).toThrow(RangeError);
    expect(() => make({ roleAssignments: -1 })).toThrow(RangeError);
    expect(() => make({ seed: 1.5 })).toThrow(RangeError);
  });
});

describe(allocate.name, () => {
  it('should split a total in proportion to weights, exactly', () => {
    expect(allocate(10, [1, 1, 2])).toEqual([3, 2, 5]);
    expect(allocate(0, [1, 2])).toEqual([0, 0]);
    const shares = allocate(999_991, [0.3, 1.7, 1.1, 0.25]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(999_991);
  });
});

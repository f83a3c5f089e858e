import { ImportRow, MappedInVpd, planImport, userVpdKey } from './import-plan';

const row = (index: number, portalUserId: string, vpd: string, employeeNumber: string): ImportRow => ({
  index,
  portalUserId,
  vpd,
  employeeNumber,
});

describe(planImport.name, () => {
  it('should refuse a second record of one VPD for a user who has one in the database, naming it', () => {
    const existing: MappedInVpd = { portalUserId: 'jordan', vpd: '979', employeeNumber: '30581377', displayName: 'Mr Jordan Ashworth' };
    const plan = planImport(
      [row(0, 'jordan', '979', '33756193'), row(1, 'jordan', '980', '33756193'), row(2, 'jordan', '979', '30581377')],
      new Map([['979:30581377', 'jordan']]),
      new Map([['jordan', 1]]),
      undefined,
      new Map([[userVpdKey('jordan', '979'), existing]]),
    );
    expect(plan.create.map((r) => r.index)).toEqual([1]);
    expect(plan.skipped).toBe(1);
    expect(plan.errors).toEqual([
      {
        index: 0,
        error: 'ESR_USER_ALREADY_MAPPED_IN_VPD',
        message: expect.stringContaining('VPD 979 employee number 30581377 (Mr Jordan Ashworth)'),
        details: [{ field: 'employeeNumber', message: 'already mapped to employee number 30581377 in VPD 979' }],
      },
    ]);
  });

  it('should let the first row of a user in a VPD win within one import, whatever the rows of other users', () => {
    const plan = planImport(
      [row(0, 'sam', '979', '11111111'), row(1, 'alex', '979', '22222222'), row(2, 'sam', '979', '33333333')],
      new Map(),
      new Map(),
    );
    expect(plan.create.map((r) => r.index)).toEqual([0, 1]);
    expect(plan.errors).toEqual([
      expect.objectContaining({
        index: 2,
        error: 'ESR_USER_ALREADY_MAPPED_IN_VPD',
        message: expect.stringContaining('VPD 979 employee number 11111111 by row 0 of this import'),
      }),
    ]);
  });
});

import { toCsv } from './reconciliation-rows';

describe(toCsv.name, () => {
  it('should write a header line and quote cells that need it', () => {
    const csv = toCsv([
      {
        kind: 'PENDING',
        vpd: '979',
        employeeNumber: '30581377',
        portalUserId: 'a@b',
        displayName: 'Mr "Al", Jr',
        effectiveFrom: null,
        reason: 'x',
      },
    ]);
    expect(csv).toBe(
      'kind,vpd,employeeNumber,portalUserId,displayName,effectiveFrom,reason\r\nPENDING,979,30581377,a@b,"Mr ""Al"", Jr",,x\r\n',
    );
  });

  it('should stop a spreadsheet from running a cell as a formula', () => {
    const csv = toCsv([
      {
        kind: 'NO_ROLE',
        vpd: '979',
        employeeNumber: '1',
        portalUserId: '@user',
        displayName: '=HYPERLINK("x")',
        effectiveFrom: null,
        reason: '-1',
      },
    ]);
    expect(csv.split('\r\n')[1]).toBe(`NO_ROLE,979,1,'@user,"'=HYPERLINK(""x"")",,'-1`);
  });
});

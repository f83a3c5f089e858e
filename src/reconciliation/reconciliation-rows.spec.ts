import type { EsrMapping } from '../database/esr-mapping.entity';
import type { AccessSnapshot, CachedRole } from '../role-store/role.types';
import { holderName, reconcile, toCsv } from './reconciliation-rows';

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

describe(reconcile.name, () => {
  const H = 3_600_000;
  const now = Date.parse('2026-12-07T12:00:00Z');
  const policy = { roleName: 'Digital Passport Administrator', activationDelayMs: 24 * H, maxStalenessMs: 48 * H };
  const role = (employeeNumber: string, from: number, over: Partial<CachedRole> = {}): CachedRole => ({
    assignmentId: `ra-${employeeNumber}`,
    employeeNumber,
    assignedAt: new Date(from - 24 * H).toISOString(),
    startDate: '2026-01-01',
    endDate: null,
    effectiveFrom: new Date(from).toISOString(),
    effectiveUntil: null,
    personActive: true,
    lastUpdatedAt: new Date(from - 24 * H).toISOString(),
    ...over,
  });
  const snapshot = (roles: CachedRole[]): AccessSnapshot => ({
    vpds: new Map([['979', { vpd: '979', state: 'IDLE', lastSuccessAt: new Date(now).toISOString(), lastFullSyncAt: null }]]),
    roles: new Map(roles.map((r) => [`979:${r.employeeNumber}`, [r]])),
  });
  const unmapped = (roles: CachedRole[]) => {
    const holders = new Map(roles.map((r) => [r.employeeNumber, [r]]));
    return reconcile('979', holders, [], snapshot(roles), now, policy).items;
  };

  it('should name an unmapped holder from the synced role data, and give null when ESR sent no name', () => {
    const items = unmapped([role('30581377', now - 48 * H, { displayName: 'Mr Jordan Ashworth' }), role('33756193', now - 48 * H)]);
    expect(items.map((i) => [i.employeeNumber, i.displayName])).toEqual([
      ['30581377', 'Mr Jordan Ashworth'],
      ['33756193', null],
    ]);
  });

  it('should say the role is held and nobody is mapped, with the instant in UK time, never that it has given access', () => {
    const [held] = unmapped([role('30581377', Date.parse('2026-11-26T10:12:00Z'))]);
    expect(held.reason).toBe(
      'Employee number 30581377 holds the role Digital Passport Administrator in ESR (in effect since 26 Nov 2026 at 10:12, UK time) ' +
        'but nobody is mapped to the record in VPD 979, so no portal account has Search ESR from it; a Local System Administrator ' +
        "adds the ESR employee number and VPD to the person's portal account via Manage User.",
    );
    expect(held.reason).not.toMatch(/given access/);
    const [ahead] = unmapped([role('30581377', Date.parse('2026-12-08T09:30:00Z'))]);
    expect(ahead.reason).toContain('(in effect from 8 Dec 2026 at 09:30, UK time)');
  });

  it("should fall back to the role data's name for a mapping ESR has not named yet", () => {
    const r = role('30581377', now + 2 * H, { displayName: 'Mr Jordan Ashworth' });
    const mapping = { portalUserId: 'a@b', vpd: '979', employeeNumber: '30581377', displayName: null, verified: true, esrStatus: 'FOUND' };
    const { items } = reconcile('979', new Map([['30581377', [r]]]), [mapping as EsrMapping], snapshot([r]), now, policy);
    expect(items).toEqual([expect.objectContaining({ kind: 'PENDING', displayName: 'Mr Jordan Ashworth' })]);
  });
});

describe(holderName.name, () => {
  it('should take the name of the latest row that carries one', () => {
    const base = {
      assignmentId: 'a',
      employeeNumber: '1',
      assignedAt: '',
      startDate: '',
      endDate: null,
      effectiveFrom: '',
      effectiveUntil: null,
    };
    expect(
      holderName([
        { ...base, personActive: true, lastUpdatedAt: '2026-01-01T00:00:00.000Z', displayName: 'Miss Ella Jones' },
        { ...base, personActive: true, lastUpdatedAt: '2026-06-01T00:00:00.000Z', displayName: 'Mrs Ella Smith' },
        { ...base, personActive: true, lastUpdatedAt: '2026-09-01T00:00:00.000Z' },
      ]),
    ).toBe('Mrs Ella Smith');
    expect(holderName([])).toBeNull();
  });
});

import type { AccessPolicy } from '../access-policy/access-evaluator';
import { EsrMapping } from '../database/esr-mapping.entity';
import type { AccessSnapshot, CachedRole } from '../role-store/role.types';
import { reviewCsv, reviewRows } from './access-review-rows';

const H = 3_600_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');
const POLICY: AccessPolicy = { roleName: 'Digital Passport Administrator', activationDelayMs: 24 * H, maxStalenessMs: 26 * H };

function mapping(portalUserId: string, employeeNumber: string, over: Partial<EsrMapping> = {}): EsrMapping {
  return Object.assign(new EsrMapping(), {
    id: `${portalUserId}-${employeeNumber}`,
    portalUserId,
    vpd: '979',
    employeeNumber,
    createdAt: new Date('2026-11-20T09:00:00Z'),
    createdBy: 'lsa.one@trust.nhs.uk',
    verified: true,
    verifiedAt: new Date('2026-11-20T09:00:01Z'),
    esrStatus: 'FOUND',
    displayName: 'Mr Hiran Mistry',
    checkAfter: null,
    checkAttempts: 0,
    ...over,
  });
}

function role(employeeNumber: string, effectiveFrom: string): CachedRole {
  return {
    assignmentId: `a-${employeeNumber}`,
    employeeNumber,
    assignedAt: effectiveFrom,
    startDate: '2026-01-01',
    endDate: null,
    effectiveFrom,
    effectiveUntil: null,
    personActive: true,
  };
}

const snapshot: AccessSnapshot = {
  vpds: new Map([['979', { vpd: '979', state: 'IDLE', lastSuccessAt: '2026-11-25T11:55:00Z', lastFullSyncAt: '2026-11-25T02:30:00Z' }]]),
  roles: new Map([
    ['979:30581377', [role('30581377', '2026-11-21T09:00:00.000Z')]],
    ['979:33756193', [role('33756193', '2026-11-26T09:00:00.000Z')]],
  ]),
};

describe(reviewRows.name, () => {
  it('should list every mapping with its state and since when, as the access endpoint judges it, by portal user', () => {
    const rows = reviewRows(
      [
        mapping('zed@trust.nhs.uk', '30581377'),
        mapping('amy@trust.nhs.uk', '33756193', { displayName: null }),
        mapping('bob@trust.nhs.uk', '12345678', { verified: false, verifiedAt: null, esrStatus: null }),
      ],
      snapshot,
      NOW,
      POLICY,
    );
    expect(rows).toEqual([
      {
        portalUserId: 'amy@trust.nhs.uk',
        employeeNumber: '33756193',
        displayName: null,
        state: 'PENDING_ACTIVATION',
        since: '2026-11-26T09:00:00.000Z',
        createdBy: 'lsa.one@trust.nhs.uk',
        createdAt: '2026-11-20T09:00:00.000Z',
        lastVerifiedAt: '2026-11-20T09:00:01.000Z',
      },
      expect.objectContaining({ portalUserId: 'bob@trust.nhs.uk', state: 'NO_ROLE', since: null, lastVerifiedAt: null }),
      expect.objectContaining({ portalUserId: 'zed@trust.nhs.uk', state: 'ACTIVE', since: '2026-11-21T09:00:00.000Z' }),
    ]);
  });
});

describe(reviewCsv.name, () => {
  it('should write a header line, quote cells that need it and neutralise formula-like cells', () => {
    const [row] = reviewRows([mapping('amy@trust.nhs.uk', '30581377', { displayName: '=HYPERLINK("x"), Jr' })], snapshot, NOW, POLICY);
    expect(reviewCsv('979', [row])).toBe(
      'vpd,portalUserId,employeeNumber,displayName,state,since,createdBy,createdAt,lastVerifiedAt\r\n' +
        '979,amy@trust.nhs.uk,30581377,"\'=HYPERLINK(""x""), Jr",ACTIVE,2026-11-21T09:00:00.000Z,lsa.one@trust.nhs.uk,' +
        '2026-11-20T09:00:00.000Z,2026-11-20T09:00:01.000Z\r\n',
    );
  });
});

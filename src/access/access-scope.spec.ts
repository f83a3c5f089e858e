import { AccessReasons } from '../access-policy/access-reasons';
import { VpdScope } from '../common/auth/vpd-scope';
import type { MappingAccess, UserAccess } from '../domain/access.types';
import { accessInScope } from './access-scope';

const mapping = (vpd: string, over: Partial<MappingAccess> = {}): MappingAccess => ({
  vpd,
  employeeNumber: `${vpd}00000`,
  state: 'ACTIVE',
  effectiveFrom: '2026-11-20T00:00:00.000Z',
  effectiveUntil: null,
  reason: `Active in ${vpd}.`,
  lastSyncedAt: '2026-11-25T09:00:00.000Z',
  verified: true,
  ...over,
});

const ACCESS: UserAccess = {
  portalUserId: 'hr.user@nhs.net',
  searchEnabled: true,
  enabledVpds: ['806'],
  asOf: '2026-11-25T10:00:00.000Z',
  nextChangeAt: '2026-11-26T10:12:00.000Z',
  mappings: [
    mapping('806'),
    mapping('979', { state: 'PENDING_ACTIVATION', effectiveFrom: '2026-11-26T10:12:00.000Z', reason: 'Pending.' }),
  ],
};

describe(accessInScope.name, () => {
  it('should answer the access unchanged for an unscoped key, or when every mapping is in scope', () => {
    expect(accessInScope(ACCESS, VpdScope.ALL)).toBe(ACCESS);
    expect(accessInScope(ACCESS, VpdScope.of(['806', '979']))).toBe(ACCESS);
  });

  it('should leave out mappings in other VPDs and recompute searchEnabled, enabledVpds and nextChangeAt from the rest', () => {
    expect(accessInScope(ACCESS, VpdScope.of(['979']))).toEqual({
      portalUserId: 'hr.user@nhs.net',
      searchEnabled: false,
      enabledVpds: [],
      asOf: ACCESS.asOf,
      nextChangeAt: '2026-11-26T10:12:00.000Z',
      mappings: [ACCESS.mappings[1]],
    });
    expect(accessInScope(ACCESS, VpdScope.of(['806']))).toMatchObject({ searchEnabled: true, enabledVpds: ['806'], nextChangeAt: null });
  });

  it('should answer as for a user with no mappings when none is in scope', () => {
    expect(accessInScope(ACCESS, VpdScope.of(['123']))).toEqual(
      expect.objectContaining({ searchEnabled: false, mappings: [], reason: AccessReasons.noMappings() }),
    );
  });
});

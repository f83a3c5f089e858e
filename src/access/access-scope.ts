import { AccessReasons } from '../access-policy/access-reasons';
import { nextChangeAt } from '../access-policy/access-evaluator';
import type { VpdScope } from '../common/auth/vpd-scope';
import type { UserAccess } from '../domain/access.types';

/**
 * A user's access as a key restricted to some VPDs may see it: the mappings in other VPDs are left out,
 * and searchEnabled, enabledVpds, nextChangeAt and the no-mappings reason are those of the mappings
 * left (so a trust's key never learns of another trust's records). Unscoped keys get it unchanged.
 */
export function accessInScope(access: UserAccess, scope: VpdScope): UserAccess {
  if (!scope.restricted) return access;
  const mappings = scope.filter(access.mappings, (m) => m.vpd);
  if (mappings.length === access.mappings.length) return access;
  const enabledVpds = access.enabledVpds.filter((vpd) => scope.allows(vpd));
  const scoped: UserAccess = {
    portalUserId: access.portalUserId,
    searchEnabled: enabledVpds.length > 0,
    enabledVpds,
    asOf: access.asOf,
    nextChangeAt: nextChangeAt(mappings, Date.parse(access.asOf)),
    mappings,
  };
  if (mappings.length === 0) scoped.reason = AccessReasons.noMappings();
  return scoped;
}

import { canonicalPortalUserId } from '../domain/identifiers';

/**
 * Separation of duties for "Manage User": the person who adds a mapping vouches that the portal
 * account belongs to the ESR record. Mapping one's own account would let an LSA give themselves
 * "Search ESR" over any role holder's record, so by default an acting user may not map their own
 * portal account; a small trust with one LSA can allow it (MAPPING_SELF_SERVICE=true). Audited either way.
 */
export interface SelfMappingPolicy {
  /** MAPPING_SELF_SERVICE */
  selfServiceAllowed: boolean;
}

export const SELF_MAPPING_REFUSED =
  'You cannot add an ESR mapping to your own portal account: another Local System Administrator must do it ' +
  '(separation of duties). A trust with a single administrator can allow this with MAPPING_SELF_SERVICE=true.';

/** Is this a mapping of the acting user's own portal account? Ids are case-insensitive (compared in their canonical form). */
export const isSelfMapping = (actingUser: string, portalUserId: string): boolean =>
  canonicalPortalUserId(actingUser) === canonicalPortalUserId(portalUserId);

/** The refusal sentence, or undefined when the change may go ahead. */
export function refuseSelfMapping(policy: SelfMappingPolicy, actingUser: string, portalUserId: string): string | undefined {
  return isSelfMapping(actingUser, portalUserId) && !policy.selfServiceAllowed ? SELF_MAPPING_REFUSED : undefined;
}

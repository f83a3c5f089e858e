import { InitialSchema1764100000000 } from './1764100000000-initial-schema';
import { AuditRequestIds1764200000000 } from './1764200000000-audit-request-ids';
import { ManageUserChecks1764300000000 } from './1764300000000-manage-user-checks';
import { CanonicalPortalUserIds1765100000000 } from './1765100000000-canonical-portal-user-ids';
import { OnePersonPerVpd1765200000000 } from './1765200000000-one-person-per-vpd';
import { WebhookSequence1765400000000 } from './1765400000000-webhook-sequence';

/** Every migration, oldest first. A new migration is added here as well as in this folder. */
export const MIGRATIONS = [
  InitialSchema1764100000000,
  AuditRequestIds1764200000000,
  ManageUserChecks1764300000000,
  CanonicalPortalUserIds1765100000000,
  OnePersonPerVpd1765200000000,
  WebhookSequence1765400000000,
];

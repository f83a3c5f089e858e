import { InitialSchema1764100000000 } from './1764100000000-initial-schema';
import { AuditRequestIds1764200000000 } from './1764200000000-audit-request-ids';
import { ManageUserChecks1764300000000 } from './1764300000000-manage-user-checks';
import { OnePersonPerVpd1765200000000 } from './1765200000000-one-person-per-vpd';

/** Every migration, oldest first. A new migration is added here as well as in this folder. */
export const MIGRATIONS = [
  InitialSchema1764100000000,
  AuditRequestIds1764200000000,
  ManageUserChecks1764300000000,
  OnePersonPerVpd1765200000000,
];

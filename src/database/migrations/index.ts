import { InitialSchema1764100000000 } from './1764100000000-initial-schema';
import { AuditRequestIds1764200000000 } from './1764200000000-audit-request-ids';

/** Every migration, oldest first. A new migration is added here as well as in this folder. */
export const MIGRATIONS = [InitialSchema1764100000000, AuditRequestIds1764200000000];

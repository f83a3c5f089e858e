import { auditEventSchema } from '../audit/audit-event.entity';
import { esrMappingSchema } from '../mappings/esr-mapping.entity';
import { DatabaseKind } from './column-types';

/** Every TypeORM entity of the service, with column types for the given database. */
export function entitiesFor(kind: DatabaseKind) {
  return [esrMappingSchema(kind), auditEventSchema(kind)];
}

import { accessVpdMarkSchema, accessWatchSchema } from '../access-events/access-watch.entity';
import { webhookDeliverySchema } from '../access-events/webhook-delivery.entity';
import { auditEventSchema } from '../audit/audit-event.entity';
import { esrMappingSchema } from '../mappings/esr-mapping.entity';
import { DatabaseKind } from './column-types';

/** Every TypeORM entity of the service, with column types for the given database. */
export function entitiesFor(kind: DatabaseKind) {
  return [esrMappingSchema(kind), auditEventSchema(kind), webhookDeliverySchema(kind), accessWatchSchema(kind), accessVpdMarkSchema(kind)];
}

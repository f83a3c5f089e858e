import { accessVpdMarkSchema, accessWatchSchema } from './access-watch.entity';
import { webhookDeliverySchema } from './webhook-delivery.entity';
import { auditEventSchema } from './audit-event.entity';
import { esrMappingSchema } from './esr-mapping.entity';
import { DatabaseKind } from './column-types';

/** Every TypeORM entity of the service, with column types for the given database. */
export function entitiesFor(kind: DatabaseKind) {
  return [esrMappingSchema(kind), auditEventSchema(kind), webhookDeliverySchema(kind), accessWatchSchema(kind), accessVpdMarkSchema(kind)];
}

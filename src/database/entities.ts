import { AccessVpdMark, AccessWatch } from '../access-events/access-watch.entity';
import { WebhookDelivery } from '../access-events/webhook-delivery.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { EsrMapping } from '../mappings/esr-mapping.entity';

/** Every TypeORM entity of the service. */
export const ENTITIES = [EsrMapping, AuditEvent, WebhookDelivery, AccessWatch, AccessVpdMark];

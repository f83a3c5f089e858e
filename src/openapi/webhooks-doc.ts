/**
 * The access-change webhook, described where OpenAPI 3.1 wants it (`webhooks`): the request the
 * gateway POSTs to the portal's WEBHOOK_URL, signed as Standard Webhooks defines. The event body is the
 * AccessChangedEventDto schema, with `type` stated as the constant it is.
 */
type Schema = Record<string, unknown>;
type Doc = { webhooks?: Schema; components?: { schemas?: Record<string, Schema> } };

export const EVENT_TYPE = 'esr-access.changed';
const EVENT_REF = '#/components/schemas/AccessChangedEventDto';

const header = (name: string, description: string, schema: Schema, example: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string', ...schema },
  example,
});

export const SIGNATURE_HEADERS = [
  header(
    'Webhook-Id',
    "The event id (the body's `id`); the same on every retry of the event, so receivers dedupe by it",
    { maxLength: 64, pattern: '^[0-9a-f-]{36}$' },
    '0b6f1f9e-4c1d-4f37-9a53-2b7f3c0e8d11',
  ),
  header(
    'Webhook-Timestamp',
    'Unix seconds when this attempt was signed; receivers reject values more than 5 minutes off',
    { maxLength: 12, pattern: '^\\d{1,12}$' },
    '1795774320',
  ),
  header(
    'Webhook-Signature',
    'Space-separated `v1,<base64 HMAC-SHA256 of "<Webhook-Id>.<Webhook-Timestamp>.<raw body>">`, keyed with the base64-decoded part of WEBHOOK_SECRET after `whsec_`',
    { maxLength: 1024, pattern: '^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$' },
    'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  ),
];

export const EVENT_EXAMPLE = {
  id: '0b6f1f9e-4c1d-4f37-9a53-2b7f3c0e8d11',
  type: EVENT_TYPE,
  occurredAt: '2026-11-26T10:12:00.000Z',
  sequence: 2,
  portalUserId: 'hiran.mistry@nhs.net',
  searchEnabled: true,
  previousSearchEnabled: false,
  cause: 'sync',
  nextChangeAt: null,
  mappings: [{ vpd: '979', employeeNumber: '30581377', state: 'ACTIVE', previousState: 'PENDING_ACTIVATION' }],
};

const DESCRIPTION =
  "POSTed to WEBHOOK_URL when a user's searchEnabled or a mapping's state changes (by a mapping change, a sync, or by " +
  'time alone). Signed as Standard Webhooks defines: WEBHOOK_SECRET is `whsec_` + base64 of the key, so the standard ' +
  'libraries (e.g. the `standardwebhooks` package) verify it with the secret as given. At least once and in order per ' +
  'user: receivers dedupe by Webhook-Id, drop an event whose `sequence` is not above the last one applied for that user, ' +
  'and answer any 2xx to acknowledge; anything else is retried with backoff and finally dead-lettered.';

const ACK = { description: 'Any 2xx acknowledges the delivery; the body is ignored' };

export const ACCESS_CHANGED_WEBHOOK = {
  post: {
    operationId: 'esrAccessChanged',
    summary: 'An access-change event (esr-access.changed)',
    description: DESCRIPTION,
    tags: ['webhooks'],
    parameters: SIGNATURE_HEADERS,
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: { $ref: EVENT_REF },
          examples: { activated: { summary: 'A mapping became ACTIVE', value: EVENT_EXAMPLE } },
        },
      },
    },
    responses: { '200': ACK, '204': ACK, default: { description: 'Not acknowledged: the gateway retries the delivery later' } },
  },
};

/** The document with the webhook under `webhooks` and the event's `type` as a constant; the input is not changed. */
export function declareWebhooks<T extends object>(document: T): T {
  const doc = document as Doc;
  const schemas = { ...doc.components?.schemas };
  const event = schemas.AccessChangedEventDto;
  if (event) {
    const properties = { ...(event.properties as Record<string, Schema>) };
    properties.type = { type: 'string', const: EVENT_TYPE, description: 'Always esr-access.changed', example: EVENT_TYPE };
    schemas.AccessChangedEventDto = { ...event, properties };
  }
  return { ...document, webhooks: { esrAccessChanged: ACCESS_CHANGED_WEBHOOK }, components: { ...doc.components, schemas } };
}

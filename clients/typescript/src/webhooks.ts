import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { AccessChangedEvent } from './types.ts';

export { WebhookVerificationError };
export type { AccessChangedEvent };

/** Request headers as node:http gives them, as a fetch `Headers`, or as a plain record. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

const SIGNED = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Verifies a delivery with the Standard Webhooks library (`Webhook-Id`, `Webhook-Timestamp` at most 5
 * minutes off, `Webhook-Signature` with the `whsec_` secret) and returns the event; throws
 * WebhookVerificationError when the signature, the timestamp or the event does not hold.
 * Pass the body exactly as received (the raw bytes or their UTF-8 text), never re-serialised JSON.
 */
export function verifyWebhook(body: string | Buffer, headers: WebhookHeaders, secret: string): AccessChangedEvent {
  const signed: Record<string, string> = {};
  for (const name of SIGNED) {
    const value = headers instanceof Headers ? headers.get(name) : lookup(headers, name);
    if (value === undefined || value === null) throw new WebhookVerificationError(`Missing required header ${name}`);
    signed[name] = value;
  }
  const payload = typeof body === 'string' ? body : body.toString('utf8');
  const event = new Webhook(secret).verify(payload, signed) as Partial<AccessChangedEvent>;
  if (event?.type !== 'esr-access.changed' || typeof event.id !== 'string') {
    throw new WebhookVerificationError('Not an esr-access.changed event');
  }
  return event as AccessChangedEvent;
}

function lookup(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The contract's signature, as Standard Webhooks defines it: `v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>">`, sent as Webhook-Signature next to Webhook-Id and Webhook-Timestamp (Unix
 * seconds). `key` is the HMAC key: the decoded bytes of a `whsec_` WEBHOOK_SECRET, or the UTF-8 bytes of
 * a deprecated raw one (WebhookSigningKey.bytes, src/config/webhook-secret.ts). Pure.
 */
export function signWebhook(key: Uint8Array, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** What a receiver does: true when one of the space-separated signatures matches (constant-time compare). */
export function verifyWebhook(key: Uint8Array, id: string, timestamp: number, body: string, header: string): boolean {
  const expected = Buffer.from(signWebhook(key, id, timestamp, body));
  return header.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Headers of one delivery attempt. */
export function webhookHeaders(key: Uint8Array, id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(key, id, timestamp, body),
  };
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The contract's signature: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" with WEBHOOK_SECRET>`,
 * sent as Webhook-Signature next to Webhook-Id and Webhook-Timestamp (Unix seconds). Pure.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** What a receiver does: true when one of the space-separated signatures matches (constant-time compare). */
export function verifyWebhook(secret: string, id: string, timestamp: number, body: string, header: string): boolean {
  const expected = Buffer.from(signWebhook(secret, id, timestamp, body));
  return header.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Headers of one delivery attempt. */
export function webhookHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
}

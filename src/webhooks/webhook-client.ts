import { Injectable } from '@nestjs/common';
import { webhookHeaders } from './webhook-signature';

/** Longest one delivery attempt may take. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export type WebhookAttempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * The one class that talks to the portal's webhook receiver: one signed POST, no redirects
 * followed, WEBHOOK_TIMEOUT_MS at most. Any 2xx is delivery. The receiver's body is never read
 * into logs or the database.
 */
@Injectable()
export class WebhookClient {
  async post(url: string, secret: string, eventId: string, timestamp: number, body: string): Promise<WebhookAttempt> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: webhookHeaders(secret, eventId, timestamp, body),
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      const kind = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.name ?? 'network error');
      return { ok: false, status: null, error: `request failed: ${kind}`.slice(0, 300) };
    }
  }
}

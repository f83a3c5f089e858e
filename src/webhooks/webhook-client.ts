import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import axios, { AxiosInstance, isAxiosError } from 'axios';
import { closeOutboundAgents, OutboundAgents, outboundAgents, outboundAxiosConfig } from '../common/http/outbound-http';
import { OutboundHttpSettings } from '../config/settings/outbound-http.settings';
import { webhookHeaders } from './webhook-signature';

/** Longest one delivery attempt may take. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export type WebhookAttempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * The one class that talks to the portal's webhook receiver: one signed POST through the outbound
 * stack (src/common/http/outbound-http.ts: the egress proxy of HTTPS_PROXY/HTTP_PROXY/NO_PROXY, as for
 * ESR), no redirects followed, WEBHOOK_TIMEOUT_MS at most. Any 2xx is delivery. The receiver's body is
 * never read into logs or the database.
 */
@Injectable()
export class WebhookClient implements OnApplicationShutdown {
  private readonly agents: OutboundAgents;
  private readonly http: AxiosInstance;

  constructor(outbound: OutboundHttpSettings) {
    this.agents = outboundAgents(outbound, { keepAlive: true });
    this.http = axios.create({
      ...outboundAxiosConfig(this.agents),
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'stream',
      // The body goes out byte for byte as signed.
      transformRequest: [(data: unknown) => data],
      headers: { 'User-Agent': 'esr-gateway' },
    });
  }

  /** `key`: the HMAC key of WEBHOOK_SECRET (WebhookSigningKey.bytes). */
  async post(url: string, key: Uint8Array, eventId: string, timestamp: number, body: string): Promise<WebhookAttempt> {
    const signal = AbortSignal.timeout(WEBHOOK_TIMEOUT_MS);
    try {
      const response = await this.http.post<NodeJS.ReadableStream & { destroy(): void }>(url, body, {
        headers: webhookHeaders(key, eventId, timestamp, body),
        signal,
      });
      response.data.destroy();
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      const kind = signal.aborted
        ? 'timeout'
        : isAxiosError(error)
          ? (error.code ?? error.name)
          : ((error as Error).name ?? 'network error');
      return { ok: false, status: null, error: `request failed: ${kind}`.slice(0, 300) };
    }
  }

  onApplicationShutdown(): void {
    closeOutboundAgents(this.agents);
  }
}

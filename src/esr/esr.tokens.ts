import { Clock } from '../common/clock/clock';
import { EsrSettings } from '../config/settings/esr.settings';
import { tokenRequestBody } from './esr.client-auth';
import { EsrEndpoint } from './esr.endpoint';
import { EsrCallFailure, parsedOrFailure, statusFailure } from './esr.failures';
import { ESR_ENDPOINTS, EsrMetrics } from './esr.metrics';
import { EsrTransport } from './esr.transport';
import { errorCodeOf, parseJson, tokenResponse } from './esr.validation';

/** A token is renewed this long before it expires, at most (or 10% of its lifetime, if shorter). */
export const TOKEN_REFRESH_MARGIN_MS = 30_000;

/**
 * The ESR client's OAuth2 client-credentials access token, from ESR_TOKEN_URL (default the endpoint's
 * /oauth2/token) with the client authentication of ESR_CLIENT_AUTH (esr.client-auth.ts): fetched when first needed, reused until
 * TOKEN_REFRESH_MARGIN_MS (or 10% of its life) before it expires by the injected Clock, one request
 * for any number of concurrent callers, forgotten when ESR refuses it.
 */
export class EsrTokens {
  private token?: { value: string; refreshAtMs: number };
  private inFlight?: Promise<string>;

  constructor(
    private readonly settings: EsrSettings,
    private readonly endpoint: EsrEndpoint,
    private readonly clock: Clock,
    private readonly metrics: EsrMetrics,
    private readonly transport: EsrTransport,
  ) {}

  /** The current token, or a fresh one; concurrent callers share one in-flight token request. */
  accessToken(): Promise<string> {
    if (this.token && this.clock.nowMs() < this.token.refreshAtMs) return Promise.resolve(this.token.value);
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Forgets `token` after ESR refused it, unless another caller has already replaced it. */
  invalidate(token: string): void {
    if (this.token?.value === token) this.token = undefined;
  }

  private async fetchToken(): Promise<string> {
    const endpoint = ESR_ENDPOINTS.token;
    const requestedAt = this.clock.nowMs();
    const tokenUrl = this.settings.tokenUrl ?? `${this.endpoint.baseUrl}/oauth2/token`;
    try {
      const { body, headers } = await tokenRequestBody({
        clientId: this.settings.clientId,
        scope: this.settings.scope,
        auth: this.settings.clientAuth,
        tokenUrl,
        nowMs: requestedAt,
      });
      // Everyone waits for the token, so it goes in the interactive lane, with no deadline of its own.
      const res = await this.transport.exchange(
        endpoint,
        {
          method: 'POST',
          url: tokenUrl,
          data: body,
          headers,
        },
        { lane: 'interactive' },
      );
      if (res.status === 401) throw new EsrCallFailure('rejected', endpoint, { status: 401, esrErrorCode: errorCodeOf(res.data) });
      if (res.status < 200 || res.status > 299) throw statusFailure(endpoint, res, () => this.clock.nowMs());
      const parsed = parsedOrFailure(endpoint, res, (ok) => tokenResponse(parseJson(ok.data)));
      const lifetimeMs = parsed.expiresInSeconds * 1000;
      this.token = {
        value: parsed.accessToken,
        refreshAtMs: requestedAt + lifetimeMs - Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs * 0.1),
      };
      this.metrics.tokenFetches.inc({ result: 'success' });
      return parsed.accessToken;
    } catch (error) {
      this.metrics.tokenFetches.inc({ result: 'failure' });
      throw error;
    }
  }
}

import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { AxiosRequestConfig } from 'axios';
import { outboundAgentOptions, outboundAxiosConfig } from '../common/http/outbound-http';
import { EsrSettings } from '../config/settings/esr.settings';
import type { OutboundHttpSettings } from '../config/settings/outbound-http.settings';

/** Error code of a socket that did not connect within the connect timeout. */
export const ESR_CONNECT_TIMEOUT_CODE = 'ESR_CONNECT_TIMEOUT';

export class ConnectTimeoutError extends Error {
  readonly code = ESR_CONNECT_TIMEOUT_CODE;
  constructor(timeoutMs: number) {
    super(`Could not connect to ESR within ${timeoutMs} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

interface ConnectingSocket extends Duplex {
  connecting?: boolean;
}

/**
 * Destroys `socket` with a ConnectTimeoutError unless it connects within `timeoutMs`. Node's own
 * socket timeouts only measure inactivity after the connection is made, so the connect phase needs
 * its own timer. Kept-alive sockets that are reused never pass through here.
 */
export function armConnectTimeout<S extends ConnectingSocket>(socket: S, timeoutMs: number): S {
  if (socket.connecting === false) return socket;
  const timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(timeoutMs)), timeoutMs);
  const clear = (): void => {
    clearTimeout(timer);
    socket.removeListener('connect', clear);
    socket.removeListener('close', clear);
  };
  socket.once('connect', clear);
  socket.once('close', clear);
  return socket;
}

class EsrHttpAgent extends http.Agent {
  constructor(
    options: http.AgentOptions,
    private readonly connectTimeoutMs: number,
  ) {
    super(options);
  }

  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    return socket ? armConnectTimeout(socket, this.connectTimeoutMs) : socket;
  }
}

class EsrHttpsAgent extends https.Agent {
  constructor(
    options: https.AgentOptions,
    private readonly connectTimeoutMs: number,
  ) {
    super(options);
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    return socket ? armConnectTimeout(socket, this.connectTimeoutMs) : socket;
  }
}

/** Largest ESR answer the client accepts (a page of 1,000 assignments is well under 1 MiB). */
export const ESR_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The axios settings of the ESR HttpService: the outbound stack (src/common/http/outbound-http.ts: the
 * egress proxy of HTTPS_PROXY/HTTP_PROXY/NO_PROXY) with keep-alive agents with a connect timeout, no redirects
 * (a redirect could carry the bearer token to another host), bounded bodies. Per-request settings
 * (raw text bodies, every status accepted, abort signal) are set by EsrTransport (esr.transport.ts).
 */
export function esrHttpOptions(settings: EsrSettings, outbound: OutboundHttpSettings): AxiosRequestConfig {
  const agentOptions = outboundAgentOptions(outbound, {
    keepAlive: true,
    keepAliveMsecs: 1000,
    // Room for every concurrent call plus a token fetch; the bulkhead is what limits concurrency.
    maxSockets: settings.maxConcurrency + 2,
    maxFreeSockets: settings.maxConcurrency,
  });
  return {
    ...outboundAxiosConfig({
      httpAgent: new EsrHttpAgent(agentOptions, settings.connectTimeoutMs),
      httpsAgent: new EsrHttpsAgent(agentOptions, settings.connectTimeoutMs),
    }),
    maxRedirects: 0,
    maxContentLength: ESR_MAX_BODY_BYTES,
    maxBodyLength: 64 * 1024,
    headers: { Accept: 'application/json', 'User-Agent': 'esr-gateway' },
  };
}

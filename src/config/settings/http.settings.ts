import { EnvironmentVariables, isLocalMode } from '../env.schema';
import { parseTrustProxy } from '../trust-proxy';
import { startupWarnings } from '../weak-config';
import { ms } from './parse';

/** The HTTP server: where it listens, how long a request may take, whether the docs are served, shutdown. */
export class HttpSettings {
  readonly port: number;
  /** HOST, or 127.0.0.1 in local mode and 0.0.0.0 outside it. */
  readonly host: string;
  /** The whole request (headers and body) must arrive within this (slow clients are cut off). */
  readonly requestTimeoutMs: number;
  /** A connection idle this long in the middle of a request is closed. */
  readonly connectionTimeoutMs: number;
  /** Whether /docs and /openapi.json are served. */
  readonly docsEnabled: boolean;
  /** SHUTDOWN_GRACE_PERIOD: the longest a graceful shutdown may take before the process exits. */
  readonly shutdownGraceMs: number;
  /** TRUST_PROXY: addresses or CIDRs of proxies whose X-Forwarded-For names the client (request.ip); [] trusts none. */
  readonly trustProxy: readonly string[];
  /** Failed API keys or sign-ins per client address per minute before 429 (AUTH_FAILURES_PER_MINUTE). */
  readonly authFailuresPerMinute: number;
  /** What ALLOW_INSECURE_HTTP=true let through outside local mode: logged once at start (main.ts). */
  readonly insecureWarnings: readonly string[];

  constructor(env: EnvironmentVariables) {
    this.port = env.PORT;
    this.host = env.HOST ?? (isLocalMode(env) ? '127.0.0.1' : '0.0.0.0');
    this.requestTimeoutMs = ms(env.HTTP_REQUEST_TIMEOUT);
    this.connectionTimeoutMs = ms(env.HTTP_CONNECTION_TIMEOUT);
    this.docsEnabled = env.DOCS_ENABLED;
    this.shutdownGraceMs = ms(env.SHUTDOWN_GRACE_PERIOD);
    this.trustProxy = parseTrustProxy(env.TRUST_PROXY);
    this.authFailuresPerMinute = env.AUTH_FAILURES_PER_MINUTE;
    this.insecureWarnings = startupWarnings(env, isLocalMode(env));
  }
}

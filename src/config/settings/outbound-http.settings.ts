import { EnvironmentVariables } from '../env.schema';

/**
 * Every HTTP call the gateway makes (ESR and webhooks) goes through the egress proxy these name:
 * HTTPS_PROXY for https URLs, HTTP_PROXY for http URLs, except hosts matched by NO_PROXY.
 */
export class OutboundHttpSettings {
  readonly httpsProxy: string | undefined;
  readonly httpProxy: string | undefined;
  /** Comma-separated hosts, domains (`.nhs.uk`), host:port or `*` that are reached directly. */
  readonly noProxy: string | undefined;

  constructor(env: EnvironmentVariables) {
    this.httpsProxy = env.HTTPS_PROXY;
    this.httpProxy = env.HTTP_PROXY;
    this.noProxy = env.NO_PROXY;
  }
}

import { AppConfig } from './config/app-config';
import { EsrEndpoint } from './esr/esr.endpoint';
import type * as SandboxServer from './sandbox/sandbox.server';

/**
 * The bootstrap decision of which ESR the gateway talks to: ESR_BASE_URL when set; otherwise (local mode
 * only, as validation guarantees) the built-in ESR sandbox, started here in-process on an ephemeral
 * 127.0.0.1 port and stopped when the endpoint closes. `now` drives the sandbox's clock (tests).
 */
export async function openEsrEndpoint(config: AppConfig, now?: () => Date): Promise<EsrEndpoint> {
  if (config.esrBaseUrl) return EsrEndpoint.configured(config.esrBaseUrl);
  if (!config.localMode) throw new Error('ESR_BASE_URL is required outside local mode'); // validation already refuses this
  // Required here, not at the top: a gateway talking to the real ESR never loads the sandbox.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startSandbox } = require('./sandbox/sandbox.server') as typeof SandboxServer;
  const sandbox = await startSandbox({
    port: 0,
    ...config.sandbox,
    clientId: config.esrClientId,
    clientSecret: config.esrClientSecret,
    ...(now ? { now } : {}),
  });
  return new EsrEndpoint(sandbox.url.replace(/\/+$/, ''), 'sandbox', () => sandbox.close());
}

import { Logger } from '@nestjs/common';
import type * as SandboxServer from '../sandbox/sandbox.server';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { EsrEndpoint } from './esr.endpoint';

/** The EsrEndpoint factory used by EsrModule. */
export async function createEsrEndpoint(config: AppConfig, clock?: Clock): Promise<EsrEndpoint> {
  const configured = config.esrBaseUrl;
  if (configured) return new EsrEndpoint(configured.replace(/\/+$/, ''), 'configured');
  // Required here, not at the top: a gateway talking to the real ESR never loads the sandbox.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startSandbox } = require('../sandbox/sandbox.server') as typeof SandboxServer;
  const sandbox = await startSandbox({
    port: 0,
    ...config.sandbox,
    clientId: config.esrClientId,
    clientSecret: config.esrClientSecret,
    ...(clock ? { now: () => clock.now() } : {}),
  });
  new Logger('EsrModule').warn(
    `ESR_BASE_URL is not set: using the built-in ESR sandbox at ${sandbox.url} (simulated data, for local use only)`,
  );
  return new EsrEndpoint(sandbox.url.replace(/\/+$/, ''), 'sandbox', sandbox);
}

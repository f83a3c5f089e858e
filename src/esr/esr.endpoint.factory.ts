import { Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { startSandbox } from '../sandbox/sandbox.server';
import { EsrEndpoint } from './esr.endpoint';

/** The EsrEndpoint factory used by EsrModule. */
export async function createEsrEndpoint(config: AppConfig, clock?: Clock): Promise<EsrEndpoint> {
  const configured = config.esrBaseUrl;
  if (configured) return new EsrEndpoint(configured.replace(/\/+$/, ''), 'configured');
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

import { createPublicKey } from 'node:crypto';
import type { EsrSettings } from './config/settings/esr.settings';
import type { Settings } from './config/settings/settings';
import { EsrEndpoint } from './esr/esr.endpoint';
import type * as SandboxServer from './sandbox/sandbox.server';

/**
 * The bootstrap decision of which ESR the gateway talks to: ESR_BASE_URL when set; otherwise (local mode
 * only, as validation guarantees) the built-in ESR sandbox, started here in-process on an ephemeral
 * 127.0.0.1 port and stopped when the endpoint closes. `now` drives the sandbox's clock (tests).
 */
export async function openEsrEndpoint(settings: Pick<Settings, 'esr' | 'localMode'>, now?: () => Date): Promise<EsrEndpoint> {
  const { esr, localMode } = settings;
  if (esr.baseUrl) return EsrEndpoint.configured(esr.baseUrl);
  if (!localMode.enabled) throw new Error('ESR_BASE_URL is required outside local mode'); // validation already refuses this
  // Required here, not at the top: a gateway talking to the real ESR never loads the sandbox.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startSandbox } = require('./sandbox/sandbox.server') as typeof SandboxServer;
  const sandbox = await startSandbox({
    port: 0,
    ...localMode.sandbox,
    clientId: esr.clientId,
    clientSecret: esr.clientSecret,
    clientKeys: sandboxClientKeys(esr),
    ...(now ? { now } : {}),
  });
  return new EsrEndpoint(sandbox.url.replace(/\/+$/, ''), 'sandbox', () => sandbox.close());
}

/** With private_key_jwt, the sandbox knows the configured key's public half by its kid, as ESR would. */
function sandboxClientKeys(esr: EsrSettings): object[] {
  const auth = esr.clientAuth;
  if (auth.method !== 'private_key_jwt') return [];
  return [{ ...createPublicKey(auth.key).export({ format: 'jwk' }), kid: auth.keyId, alg: auth.alg, use: 'sig' }];
}

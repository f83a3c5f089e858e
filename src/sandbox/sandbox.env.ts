import { readFileSync } from 'node:fs';
import { clientKeyFromPem, parseAuthMethods, parseClientKey } from './sandbox.client-auth';
import type { SandboxOptions } from './sandbox.server';

/** Thrown when a SANDBOX_* variable is invalid; the message names every bad variable. */
export class SandboxEnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid sandbox configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SandboxEnvError';
  }
}

/**
 * Reads the standalone sandbox's settings from environment variables (the sandbox is its own
 * program, so this is its one place that reads them):
 * SANDBOX_PORT (default 4010), SANDBOX_HOST (127.0.0.1), SANDBOX_SEED (1), SANDBOX_VPD_COUNT (3),
 * SANDBOX_ROLE_ASSIGNMENTS (60), SANDBOX_CLIENT_ID and SANDBOX_CLIENT_SECRET (the gateway's
 * defaults), SANDBOX_TOKEN_TTL_SECONDS (300), SANDBOX_RATE_LIMIT_PER_SECOND (20, 0 = none),
 * SANDBOX_LOG (true); client authentication: SANDBOX_CLIENT_AUTH_METHODS (comma-separated; default
 * all three), the client's public keys for private_key_jwt from SANDBOX_CLIENT_JWKS_FILE (a JWKS) and/or
 * SANDBOX_CLIENT_PUBLIC_KEY_FILE (PEM key or certificate) with SANDBOX_CLIENT_KEY_ID, and
 * SANDBOX_TOKEN_URL (an accepted assertion audience besides the URL requests reach).
 */
export function sandboxOptionsFromEnv(env: Record<string, string | undefined>): SandboxOptions {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, min: number, max: number): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${value}")`);
      return undefined;
    }
    return Number(value);
  };
  const options: SandboxOptions = { logger: true };
  const set = <K extends keyof SandboxOptions>(key: K, value: SandboxOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('port', integer('SANDBOX_PORT', 0, 65_535) ?? 4010);
  const host = text('SANDBOX_HOST');
  if (host !== undefined && !/^[A-Za-z0-9.:\-[\]]+$/.test(host))
    problems.push(`SANDBOX_HOST must be a host name or IP address (got "${host}")`);
  else set('host', host);
  set('seed', integer('SANDBOX_SEED', 0, 2 ** 31 - 1));
  set('vpdCount', integer('SANDBOX_VPD_COUNT', 1, 1000));
  set('roleAssignments', integer('SANDBOX_ROLE_ASSIGNMENTS', 0, 10_000_000));
  set('tokenTtlSeconds', integer('SANDBOX_TOKEN_TTL_SECONDS', 1, 86_400));
  set('rateLimitPerSecond', integer('SANDBOX_RATE_LIMIT_PER_SECOND', 0, 1_000_000));
  for (const [name, key] of [
    ['SANDBOX_CLIENT_ID', 'clientId'],
    ['SANDBOX_CLIENT_SECRET', 'clientSecret'],
  ] as const) {
    const value = env[name];
    if (value === undefined) continue;
    if (value.length === 0 || value.length > 512) problems.push(`${name} must be 1 to 512 characters`);
    else set(key, value);
  }
  Object.assign(options, clientAuthFromEnv(text, problems));
  const log = text('SANDBOX_LOG');
  if (log !== undefined) {
    if (!['true', 'false', '1', '0'].includes(log.toLowerCase())) problems.push(`SANDBOX_LOG must be true or false (got "${log}")`);
    else set('logger', log.toLowerCase() === 'true' || log === '1');
  }
  if (problems.length > 0) throw new SandboxEnvError(problems);
  return options;
}

type EnvText = (name: string) => string | undefined;

function attempt<T>(problems: string[], name: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** The client-authentication options from SANDBOX_CLIENT_AUTH_METHODS, the key files and SANDBOX_TOKEN_URL. */
function clientAuthFromEnv(text: EnvText, problems: string[]): Pick<SandboxOptions, 'clientAuthMethods' | 'clientKeys' | 'tokenUrl'> {
  const options: Pick<SandboxOptions, 'clientAuthMethods' | 'clientKeys' | 'tokenUrl'> = {};
  const methods = text('SANDBOX_CLIENT_AUTH_METHODS');
  if (methods !== undefined) {
    const parsed = attempt(problems, 'SANDBOX_CLIENT_AUTH_METHODS', () =>
      parseAuthMethods(
        methods
          .split(',')
          .map((m) => m.trim())
          .filter((m) => m !== ''),
      ),
    );
    if (parsed) options.clientAuthMethods = parsed;
  }
  const keys: object[] = [];
  const jwksFile = text('SANDBOX_CLIENT_JWKS_FILE');
  if (jwksFile !== undefined) {
    const jwks = attempt(problems, 'SANDBOX_CLIENT_JWKS_FILE', () => {
      const parsed = JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys?: unknown };
      if (!Array.isArray(parsed.keys)) throw new Error('the file must be a JWKS: { "keys": [...] }');
      return parsed.keys.map(parseClientKey);
    });
    if (jwks) keys.push(...jwks);
  }
  const pemFile = text('SANDBOX_CLIENT_PUBLIC_KEY_FILE');
  const kid = text('SANDBOX_CLIENT_KEY_ID');
  if ((pemFile === undefined) !== (kid === undefined)) {
    problems.push('SANDBOX_CLIENT_PUBLIC_KEY_FILE and SANDBOX_CLIENT_KEY_ID must be set together');
  } else if (pemFile !== undefined && kid !== undefined) {
    const key = attempt(problems, 'SANDBOX_CLIENT_PUBLIC_KEY_FILE', () => clientKeyFromPem(readFileSync(pemFile, 'utf8'), kid));
    if (key) keys.push(key);
  }
  if (keys.length > 0) options.clientKeys = keys;
  const tokenUrl = text('SANDBOX_TOKEN_URL');
  if (tokenUrl !== undefined) {
    if (URL.canParse(tokenUrl)) options.tokenUrl = tokenUrl;
    else problems.push(`SANDBOX_TOKEN_URL must be an absolute URL (got "${tokenUrl}")`);
  }
  return options;
}

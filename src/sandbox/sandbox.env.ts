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
 * SANDBOX_LOG (true).
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
  const log = text('SANDBOX_LOG');
  if (log !== undefined) {
    if (!['true', 'false', '1', '0'].includes(log.toLowerCase())) problems.push(`SANDBOX_LOG must be true or false (got "${log}")`);
    else set('logger', log.toLowerCase() === 'true' || log === '1');
  }
  if (problems.length > 0) throw new SandboxEnvError(problems);
  return options;
}

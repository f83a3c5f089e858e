import { LOCAL_DEV_API_KEY, parseApiKeys } from './api-keys';

/** The key search criteria are hashed with in local mode (never outside it: AUDIT_HMAC_SECRET is required there). */
export const LOCAL_AUDIT_HMAC_SECRET = 'local-development-audit-key';
/** The built-in sandbox's client secret: ESR_CLIENT_SECRET's default (local mode only). */
export const SANDBOX_CLIENT_SECRET = 'sandbox-secret';
/** The shortest secret accepted outside local mode. */
export const MIN_SECRET_LENGTH = 16;

/** The variables the checks below read (a narrow view of EnvironmentVariables, which imports this file). */
export interface WeakConfigInput {
  API_KEYS?: string;
  AUDIT_HMAC_SECRET?: string;
  ESR_CLIENT_SECRET: string;
  ESR_CLIENT_AUTH: string;
  STATUS_PAGE_SESSION_SECRET?: string;
  ESR_BASE_URL?: string;
  ESR_TOKEN_URL?: string;
  WEBHOOK_URL?: string;
  ALLOW_INSECURE_HTTP: boolean;
}

/** The URL variables that must be https:// outside local mode (unless ALLOW_INSECURE_HTTP=true). */
const HTTPS_VARIABLES = ['ESR_BASE_URL', 'ESR_TOKEN_URL', 'WEBHOOK_URL'] as const;

const tooShort = (name: string) =>
  `${name}: must be at least ${MIN_SECRET_LENGTH} characters outside local mode (use a random secret, e.g. openssl rand -base64 32)`;

/** API_KEYS entries that are the README's public local key or have a short secret (the list itself is valid). */
function apiKeyProblems(raw: string | undefined): string[] {
  if (!raw) return [];
  let keys;
  try {
    keys = parseApiKeys(raw);
  } catch {
    return []; // reported by API_KEYS' own check
  }
  return keys.flatMap(({ id, secret }) => {
    if (secret === LOCAL_DEV_API_KEY.secret)
      return [`API_KEYS: key ${id} uses the public local key shown in the README; it is refused outside local mode`];
    if (secret.length < MIN_SECRET_LENGTH)
      return [`API_KEYS: the secret of key ${id} must be at least ${MIN_SECRET_LENGTH} characters outside local mode`];
    return [];
  });
}

/** ESR_CLIENT_SECRET outside local mode: not the sandbox's default, not short (unused with private_key_jwt). */
function esrClientSecretProblems(env: WeakConfigInput): string[] {
  if (env.ESR_CLIENT_AUTH === 'private_key_jwt') return [];
  if (env.ESR_CLIENT_SECRET === SANDBOX_CLIENT_SECRET)
    return ['ESR_CLIENT_SECRET: must be set outside local mode (its default is the built-in sandbox secret)'];
  return env.ESR_CLIENT_SECRET.length < MIN_SECRET_LENGTH ? [tooShort('ESR_CLIENT_SECRET')] : [];
}

/** The https:// variables set to an http:// URL. */
export function insecureUrlVariables(env: WeakConfigInput): string[] {
  return HTTPS_VARIABLES.filter((name) => env[name]?.toLowerCase().startsWith('http://'));
}

/**
 * Configuration that cannot be weak outside local mode (`local` false): the public local API key, the
 * local audit key and secrets shorter than 16 characters are refused, and ESR and the webhook receiver
 * need https:// unless ALLOW_INSECURE_HTTP=true. One sentence per problem, each naming its variable.
 * With ALLOW_INSECURE_HTTP=true the sandbox's client secret is allowed too (a test set-up against the
 * sandbox); startupWarnings names what that lets through.
 */
export function weakConfigProblems(env: WeakConfigInput, local: boolean): string[] {
  if (local) return [];
  const problems = apiKeyProblems(env.API_KEYS);
  if (env.AUDIT_HMAC_SECRET === LOCAL_AUDIT_HMAC_SECRET)
    problems.push('AUDIT_HMAC_SECRET: the local audit key is refused outside local mode; use a random secret of at least 16 characters');
  if (!env.ALLOW_INSECURE_HTTP) problems.push(...esrClientSecretProblems(env));
  if (!env.ALLOW_INSECURE_HTTP)
    for (const name of insecureUrlVariables(env))
      problems.push(`${name}: must be an https:// URL outside local mode (or set ALLOW_INSECURE_HTTP=true, e.g. for a test set-up)`);
  return problems;
}

/** The warnings to log once at start: what ALLOW_INSECURE_HTTP=true let through outside local mode. */
export function startupWarnings(env: WeakConfigInput, local: boolean): string[] {
  if (local || !env.ALLOW_INSECURE_HTTP) return [];
  const warnings = [];
  const urls = insecureUrlVariables(env);
  if (urls.length > 0) warnings.push(`ALLOW_INSECURE_HTTP=true: ${urls.join(', ')} use plain http:// outside local mode`);
  if (esrClientSecretProblems(env).length > 0)
    warnings.push('ALLOW_INSECURE_HTTP=true: ESR_CLIENT_SECRET is the sandbox default or shorter than 16 characters');
  return warnings;
}

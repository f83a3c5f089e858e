import { readFileSync } from 'node:fs';

/**
 * The variables that may instead be read from a file named by `NAME_FILE` (a mounted Kubernetes Secret,
 * a Key Vault / Vault agent file). REDIS_URL may hold a password too. REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD are listed for the Redis
 * settings that declare them.
 */
export const SECRET_FILE_VARIABLES = [
  'API_KEYS',
  'AUDIT_HMAC_SECRET',
  'ESR_CLIENT_SECRET',
  'ESR_CLIENT_PRIVATE_KEY',
  'WEBHOOK_SECRET',
  'STATUS_PAGE_SESSION_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
] as const;

export interface ResolvedSecrets {
  /** The raw environment with each `NAME_FILE` read into `NAME` (the `_FILE` variables removed). */
  env: Record<string, unknown>;
  /** One sentence per variable that could not be resolved, naming it. */
  problems: string[];
}

const isSet = (value: unknown): boolean => value !== undefined && value !== '';

/**
 * Reads every `NAME_FILE` of SECRET_FILE_VARIABLES once, before validation: the file's text with its
 * trailing newlines removed becomes `NAME`. Setting both NAME and NAME_FILE, or naming a file that
 * cannot be read, is a problem naming the variables (never the secret).
 */
export function resolveSecretFiles(
  raw: Record<string, unknown>,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): ResolvedSecrets {
  const env: Record<string, unknown> = { ...raw };
  const problems: string[] = [];
  for (const name of SECRET_FILE_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable];
    delete env[fileVariable];
    if (!isSet(path)) continue;
    if (isSet(env[name])) {
      problems.push(`${name}: set either ${name} or ${fileVariable}, not both`);
      continue;
    }
    try {
      env[name] = read(String(path)).replace(/(\r?\n)+$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.push(`${fileVariable}: cannot read ${String(path)} (${code})`);
    }
  }
  return { env, problems };
}

export const API_SCOPES = ['portal', 'ops'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKey {
  id: string;
  secret: string;
  scopes: ApiScope[];
}

/** The key the embedded default uses when API_KEYS is unset. Local use only: shown in the README. */
export const LOCAL_DEV_API_KEY: ApiKey = { id: 'local', secret: 'local-dev-key', scopes: ['portal', 'ops'] };

/**
 * Parses `id:secret:scopes` entries separated by commas, scopes joined by `+`.
 * Throws an Error whose message says which entry is wrong (never echoing the secret).
 */
export function parseApiKeys(raw: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = raw.split(',').map((e) => e.trim());
  entries.forEach((entry, index) => {
    const parts = entry.split(':');
    if (parts.length !== 3) throw new Error(`entry ${index + 1} must be id:secret:scopes`);
    const [id, secret, scopeList] = parts;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new Error(`entry ${index + 1} has an invalid id`);
    if (secret.length < 8) throw new Error(`entry ${index + 1} (${id}) has a secret shorter than 8 characters`);
    const scopes = scopeList.split('+');
    const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0 || scopes.length === 0)
      throw new Error(`entry ${index + 1} (${id}) has unknown scope(s) ${unknown.join(', ')}; use ${API_SCOPES.join(', ')}`);
    if (keys.some((k) => k.id === id)) throw new Error(`entry ${index + 1} repeats the id ${id}`);
    keys.push({ id, secret, scopes: [...new Set(scopes)] as ApiScope[] });
  });
  return keys;
}

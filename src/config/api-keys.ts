import { VPD } from '../domain/identifiers';

export const API_SCOPES = ['portal', 'ops'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKey {
  id: string;
  secret: string;
  scopes: ApiScope[];
  /** The VPDs this key may act in (sorted, unique); absent: every VPD (an unscoped key). */
  vpds?: string[];
}

/** The key the embedded default uses when API_KEYS is unset. Local use only: shown in the README. */
export const LOCAL_DEV_API_KEY: ApiKey = { id: 'local', secret: 'local-dev-key', scopes: ['portal', 'ops'] };

/**
 * Parses `id:secret:scopes[:vpds]` entries separated by commas, scopes and VPDs joined by `+`
 * (`trust-a:<secret>:portal:979+806`: a key that acts only in VPDs 979 and 806).
 * Throws an Error whose message says which entry is wrong (never echoing the secret).
 */
export function parseApiKeys(raw: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = raw.split(',').map((e) => e.trim());
  entries.forEach((entry, index) => {
    const parts = entry.split(':');
    if (parts.length !== 3 && parts.length !== 4) throw new Error(`entry ${index + 1} must be id:secret:scopes or id:secret:scopes:vpds`);
    const [id, secret, scopeList, vpdList] = parts;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new Error(`entry ${index + 1} has an invalid id`);
    if (secret.length < 8) throw new Error(`entry ${index + 1} (${id}) has a secret shorter than 8 characters`);
    const scopes = scopeList.split('+');
    const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0 || scopes.length === 0)
      throw new Error(`entry ${index + 1} (${id}) has unknown scope(s) ${unknown.join(', ')}; use ${API_SCOPES.join(', ')}`);
    if (keys.some((k) => k.id === id)) throw new Error(`entry ${index + 1} repeats the id ${id}`);
    const key: ApiKey = { id, secret, scopes: [...new Set(scopes)] as ApiScope[] };
    if (vpdList !== undefined) key.vpds = parseKeyVpds(vpdList, `entry ${index + 1} (${id})`);
    keys.push(key);
  });
  return keys;
}

/** The `979+806` part of an entry: 3-digit VPDs joined by `+`, sorted and unique. */
function parseKeyVpds(list: string, entry: string): string[] {
  const vpds = list.split('+');
  const bad = vpds.filter((vpd) => !VPD.test(vpd));
  if (bad.length > 0)
    throw new Error(`${entry} has VPD(s) that are not 3 digits: ${bad.map((v) => `"${v}"`).join(', ')}; write them as 979+806`);
  return [...new Set(vpds)].sort();
}

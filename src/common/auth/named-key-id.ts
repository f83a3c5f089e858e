import type { ApiKeyRing } from './api-key-ring';

/**
 * The id of a configured key that a failed presented value names, for the AUTH_FAILED audit: a value
 * of the form `<id>:<secret>` (an API_KEYS entry pasted whole) whose id is configured. Never the secret.
 */
export function namedKeyId(ring: ApiKeyRing, presented: string | undefined): string | undefined {
  const id = /^([A-Za-z0-9._-]{1,64}):/.exec(presented ?? '')?.[1];
  return id && ring.byId(id) ? id : undefined;
}

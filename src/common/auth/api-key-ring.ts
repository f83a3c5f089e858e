import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../../config/api-keys';

/** A configured API key as the ring answers it: everything the key carries (id, scopes, ...) but its secret. */
export type KeyHolder = Readonly<Omit<ApiKey, 'secret'>>;

interface RingEntry {
  holder: KeyHolder;
  digest: Buffer;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * The configured API keys (API_KEYS), and the one place a presented secret is matched against them:
 * used by ApiKeyGuard (Authorization: Bearer) and the status page sign-in. The presented secret is
 * hashed (SHA-256, so every comparison is of 32 bytes whatever its length) and compared with
 * timingSafeEqual against every key, even after a match, so the time taken depends neither on which
 * key (if any) matched nor on how much of it was right. Several keys may be valid at once (rotation).
 * The secrets themselves are not kept, only their digests.
 */
export class ApiKeyRing {
  private readonly entries: readonly RingEntry[];

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map(({ secret, ...holder }) => ({ holder, digest: digest(secret) }));
  }

  /** The key whose secret was presented, or undefined. */
  match(presented: string): KeyHolder | undefined {
    const presentedDigest = digest(presented);
    let found: KeyHolder | undefined;
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, presentedDigest) && !found) found = entry.holder;
    return found;
  }

  /** The configured key of this id (a session checks its key is still configured), or undefined. */
  byId(id: string): KeyHolder | undefined {
    return this.entries.find((entry) => entry.holder.id === id)?.holder;
  }

  /** The SHA-256 of the secret of the key of this id (fingerprints: a status session ends when it changes), or undefined. */
  secretDigest(id: string): Buffer | undefined {
    return this.entries.find((entry) => entry.holder.id === id)?.digest;
  }
}

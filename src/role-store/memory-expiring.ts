/** A value with the instant (ms) it expires, for the in-process stores. */
export interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** The entry under `key` unless it has expired at `now` (an expired one is deleted). */
export function liveEntry<T>(map: Map<string, Expiring<T>>, key: string, now: number): Expiring<T> | undefined {
  const entry = map.get(key);
  if (entry && entry.expiresAt <= now) {
    map.delete(key);
    return undefined;
  }
  return entry;
}

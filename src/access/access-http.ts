import { hash } from 'node:crypto';
import type { UserAccess } from '../domain/access.types';

/** Clients may reuse an access answer for at most this long (and never past its next change). */
export const ACCESS_MAX_AGE_SECONDS = 60;

/** The answer minus `asOf` (a shallow copy: asOf is a top-level field of the access object only). */
function stablePart(access: UserAccess): Omit<UserAccess, 'asOf'> {
  const { asOf: _asOf, ...rest } = access;
  return rest;
}

/**
 * Weak ETag of an access answer: a hash of the body without `asOf` (which changes on every call).
 * Two answers with the same ETag carry the same states, windows and reasons, so a client can keep
 * its copy; the states only change at a window boundary (nextChangeAt), on new ESR data or when
 * data goes stale, and each of those changes the body. On the hot path: one plain JSON.stringify
 * (no replacer) and the one-shot hash.
 */
export function accessEtag(body: UserAccess | { items: UserAccess[] }): string {
  const stable = 'items' in body ? { items: body.items.map(stablePart) } : stablePart(body);
  return `W/"${hash('sha256', JSON.stringify(stable), 'base64url').slice(0, 32)}"`;
}

/** If-None-Match (weak comparison, RFC 9110 13.1.2): true when the client's copy is current. */
export function matchesIfNoneMatch(header: string | string[] | undefined, etag: string): boolean {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return value.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/**
 * `private, max-age=N`: N is at most ACCESS_MAX_AGE_SECONDS and never reaches past `validUntil`
 * (the next window change or the moment data turns stale), so a cached answer cannot outlive the
 * state it shows.
 */
export function accessCacheControl(validUntil: number | null, now: number): string {
  const untilChange = validUntil === null ? ACCESS_MAX_AGE_SECONDS : Math.floor((validUntil - now) / 1000);
  const maxAge = Math.max(0, Math.min(ACCESS_MAX_AGE_SECONDS, untilChange));
  return `private, max-age=${maxAge}`;
}

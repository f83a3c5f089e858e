import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRing, KeyHolder } from '../common/auth/api-key-ring';

export const SESSION_COOKIE = 'esr_status_session';

/**
 * Sign-in and sessions of the ops status page, with node:crypto only. A session cookie is
 * `v1.<api key id>.<expiry ms>.<HMAC-SHA256>`: signed with the session secret, expiring, and valid
 * only while its key is still configured with the ops scope (removing a key ends its sessions).
 * The key presented at sign-in is matched by the ApiKeyRing, as the API guard matches it.
 * Pure apart from the clock passed in.
 */
export class StatusSessions {
  private readonly secret: Buffer;

  constructor(
    private readonly keys: ApiKeyRing,
    /** Undefined in local mode: a random secret for this process (sessions end with it). */
    secret: string | undefined,
    readonly ttlMs: number,
  ) {
    this.secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  /** The ops key presented in the sign-in form, or undefined (unknown key, no ops scope, or restricted to some VPDs). */
  signIn(presented: unknown): KeyHolder | undefined {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 512) return undefined;
    const found = this.keys.match(presented.trim());
    return found && showsEveryVpd(found) ? found : undefined;
  }

  /** A cookie value for a signed-in key. */
  issue(keyId: string, nowMs: number): string {
    const body = `v1.${keyId}.${nowMs + this.ttlMs}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The key id of a valid, unexpired session whose key still has the ops scope; else undefined. */
  verify(cookie: string | undefined, nowMs: number): string | undefined {
    const match = /^v1\.([A-Za-z0-9._-]{1,64})\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? '');
    if (!match) return undefined;
    const [, keyId, expiry, sig] = match;
    const expected = Buffer.from(this.sign(`v1.${keyId}.${expiry}`));
    if (!timingSafeEqual(expected, Buffer.from(sig))) return undefined;
    if (Number(expiry) <= nowMs) return undefined;
    const key = this.keys.byId(keyId);
    return key && showsEveryVpd(key) ? keyId : undefined;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

/** The page shows every VPD: only unscoped ops keys sign in (a key restricted to some VPDs is refused like a portal key). */
const showsEveryVpd = (key: KeyHolder): boolean => key.scopes.includes('ops') && key.vpds === undefined;

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for a session (or, with maxAgeSeconds 0, for ending it). */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/status',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

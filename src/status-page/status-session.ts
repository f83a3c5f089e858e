import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRing, KeyHolder } from '../common/auth/api-key-ring';
import type { StatusSessionStore, StoredSession } from './status-session-store';

export const SESSION_COOKIE = 'esr_status_session';

/** How long a session lives: absolutely (from sign-in) and unused. */
export interface SessionLimits {
  ttlMs: number;
  idleMs: number;
}

/** A session's last use is written at most this often (the page refreshes itself every few seconds). */
const MAX_TOUCH_INTERVAL_MS = 60_000;

/**
 * Sign-in and sessions of the ops status page. Sessions are held server-side (StatusSessionStore:
 * Redis, or this process); the cookie is `v2.<random session id>.<HMAC-SHA256>` signed with the session
 * secret. A session is valid while it is in the store, before its absolute end (ttlMs) and its idle
 * end (idleMs after its last use), while its key is still configured with the ops scope and the same
 * secret, and while the session secret is the one it was signed with. Sign-out deletes it.
 * The key presented at sign-in is matched by the ApiKeyRing, as the API guard matches it.
 */
export class StatusSessions {
  private readonly secret: Buffer;
  private readonly secretFingerprint: string;

  constructor(
    private readonly keys: ApiKeyRing,
    /** Undefined in local mode: a random secret for this process (sessions end with it). */
    secret: string | undefined,
    private readonly store: StatusSessionStore,
    readonly limits: SessionLimits,
  ) {
    this.secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
    this.secretFingerprint = createHash('sha256').update('status-session-secret:').update(this.secret).digest('base64url').slice(0, 22);
  }

  /** The ops key presented in the sign-in form, or undefined (unknown key, no ops scope, or restricted to some VPDs). */
  signIn(presented: unknown): KeyHolder | undefined {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 512) return undefined;
    const found = this.keys.match(presented.trim());
    return found && showsEveryVpd(found) ? found : undefined;
  }

  /** Starts a session for a signed-in key: the cookie value. */
  async issue(keyId: string, nowMs: number): Promise<string> {
    const id = randomBytes(24).toString('base64url');
    const session: StoredSession = {
      keyId,
      keyFingerprint: this.keyFingerprint(keyId) ?? '',
      secretFingerprint: this.secretFingerprint,
      createdAtMs: nowMs,
      lastSeenAtMs: nowMs,
      expiresAtMs: nowMs + this.limits.ttlMs,
    };
    await this.store.put(id, session, Math.min(this.limits.ttlMs, this.limits.idleMs));
    return `v2.${id}.${this.sign(id)}`;
  }

  /** The key id of a valid session (see the class); else undefined, and an ended session is deleted. */
  async verify(cookie: string | undefined, nowMs: number): Promise<string | undefined> {
    const id = this.sessionId(cookie);
    if (!id) return undefined;
    const session = await this.store.get(id);
    if (!session) return undefined;
    if (!this.isValid(session, nowMs)) {
      await this.store.delete(id);
      return undefined;
    }
    if (nowMs - session.lastSeenAtMs >= Math.min(this.limits.idleMs / 10, MAX_TOUCH_INTERVAL_MS))
      await this.store.put(id, { ...session, lastSeenAtMs: nowMs }, Math.min(session.expiresAtMs - nowMs, this.limits.idleMs));
    return session.keyId;
  }

  /** Ends the session of this cookie (sign-out), if it is one of ours. */
  async end(cookie: string | undefined): Promise<void> {
    const id = this.sessionId(cookie);
    if (id) await this.store.delete(id);
  }

  private isValid(session: StoredSession, nowMs: number): boolean {
    if (session.expiresAtMs <= nowMs || session.lastSeenAtMs + this.limits.idleMs <= nowMs) return false;
    if (session.secretFingerprint !== this.secretFingerprint) return false;
    const key = this.keys.byId(session.keyId);
    if (!key || !showsEveryVpd(key)) return false;
    const fingerprint = this.keyFingerprint(session.keyId);
    return fingerprint !== undefined && fingerprint === session.keyFingerprint;
  }

  /** The session id of a well-formed cookie with a valid signature, else undefined. */
  private sessionId(cookie: string | undefined): string | undefined {
    const match = /^v2\.([A-Za-z0-9_-]{32})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? '');
    if (!match) return undefined;
    const [, id, sig] = match;
    return timingSafeEqual(Buffer.from(this.sign(id)), Buffer.from(sig)) ? id : undefined;
  }

  /** The key's secret as a session records it: an HMAC of its digest (a changed secret no longer matches). */
  private keyFingerprint(keyId: string): string | undefined {
    const digest = this.keys.secretDigest(keyId);
    return digest && createHmac('sha256', this.secret).update('status-session-key:').update(digest).digest('base64url');
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(`v2.${body}`).digest('base64url');
  }
}

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

/** The page shows every VPD, so only an ops key that acts in every VPD may see it. */
const showsEveryVpd = (key: KeyHolder): boolean => key.scopes.includes('ops') && key.vpds === undefined;

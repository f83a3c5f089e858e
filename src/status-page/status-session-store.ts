import { Clock } from '../common/clock/clock';
import type { RedisConnection } from '../role-store/redis-connection';

/** A status page session as the server holds it (the cookie carries only its id, signed). */
export interface StoredSession {
  keyId: string;
  /** HMAC (session secret) of the ops key's digest at sign-in: a changed key secret ends the session. */
  keyFingerprint: string;
  /** Fingerprint of the session secret it was signed with: a changed secret ends the session. */
  secretFingerprint: string;
  createdAtMs: number;
  lastSeenAtMs: number;
  /** The absolute end (STATUS_PAGE_SESSION_TTL after sign-in). */
  expiresAtMs: number;
}

/**
 * Where status page sessions are held: Redis when configured (every replica sees a sign-out), else in
 * this process. `ttlMs` bounds how long the store keeps a session; StatusSessions checks the times.
 */
export abstract class StatusSessionStore {
  abstract put(id: string, session: StoredSession, ttlMs: number): Promise<void>;
  abstract get(id: string): Promise<StoredSession | undefined>;
  abstract delete(id: string): Promise<void>;
}

/** Sessions in Redis: one STRING (JSON) per session under the gateway's key space, expiring with it. */
export class RedisStatusSessionStore extends StatusSessionStore {
  constructor(private readonly connection: RedisConnection) {
    super();
  }

  async put(id: string, session: StoredSession, ttlMs: number): Promise<void> {
    await this.connection.redis.set(this.connection.keys.statusSession(id), JSON.stringify(session), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const raw = await this.connection.redis.get(this.connection.keys.statusSession(id));
    return raw ? (JSON.parse(raw) as StoredSession) : undefined;
  }

  async delete(id: string): Promise<void> {
    await this.connection.redis.del(this.connection.keys.statusSession(id));
  }
}

/** At most this many sessions in one process (the oldest go first): a handful of ops people sign in. */
const MAX_MEMORY_SESSIONS = 1000;

/** Sessions in this process (no Redis: one replica). */
export class MemoryStatusSessionStore extends StatusSessionStore {
  private readonly sessions = new Map<string, { session: StoredSession; until: number }>();

  constructor(private readonly clock: Clock) {
    super();
  }

  async put(id: string, session: StoredSession, ttlMs: number): Promise<void> {
    this.sessions.delete(id);
    this.sessions.set(id, { session, until: this.clock.nowMs() + ttlMs });
    if (this.sessions.size > MAX_MEMORY_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const entry = this.sessions.get(id);
    if (entry && entry.until > this.clock.nowMs()) return entry.session;
    this.sessions.delete(id);
    return undefined;
  }

  async delete(id: string): Promise<void> {
    this.sessions.delete(id);
  }
}

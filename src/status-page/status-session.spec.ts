import { ApiKeyRing } from '../common/auth/api-key-ring';
import { Clock } from '../common/clock/clock';
import { readCookie, sessionCookie, StatusSessions } from './status-session';
import { MemoryStatusSessionStore } from './status-session-store';

const KEYS: { id: string; secret: string; scopes: ('ops' | 'portal')[]; vpds?: string[] }[] = [
  { id: 'ops1', secret: 'ops-secret-0001', scopes: ['ops'] },
  { id: 'portal1', secret: 'portal-secret-01', scopes: ['portal'] },
  { id: 'ops-979', secret: 'ops-979-secret-01', scopes: ['ops'], vpds: ['979'] },
];
const NOW = Date.parse('2026-11-25T10:00:00Z');
const TTL = 8 * 3_600_000;
const IDLE = 30 * 60_000;

describe(StatusSessions.name, () => {
  const SECRET = 'a-session-secret-of-at-least-32-chars!!';
  const LIMITS = { ttlMs: TTL, idleMs: IDLE };
  let clock: Clock;
  let store: MemoryStatusSessionStore;
  let sessions: StatusSessions;
  const withKeys = (keys: typeof KEYS, secret = SECRET) => new StatusSessions(new ApiKeyRing(keys), secret, store, LIMITS);

  beforeEach(() => {
    clock = new Clock();
    store = new MemoryStatusSessionStore(clock);
    sessions = withKeys(KEYS);
  });

  it('should sign in with an ops key only', () => {
    expect(sessions.signIn('ops-secret-0001')?.id).toBe('ops1');
    expect(sessions.signIn('portal-secret-01')).toBeUndefined();
    expect(sessions.signIn('nope')).toBeUndefined();
    expect(sessions.signIn(undefined)).toBeUndefined();
  });

  it('should refuse an ops key restricted to some VPDs (the page shows every VPD), at sign-in and in a cookie', async () => {
    expect(sessions.signIn('ops-979-secret-01')).toBeUndefined();
    expect(await sessions.verify(await sessions.issue('ops-979', NOW), NOW)).toBeUndefined();
  });

  it('should accept its own cookie, used, until its absolute end', async () => {
    const cookie = await sessions.issue('ops1', NOW);
    for (let t = NOW; t < NOW + TTL; t += IDLE / 2) expect(await sessions.verify(cookie, t)).toBe('ops1');
    expect(await sessions.verify(cookie, NOW + TTL)).toBeUndefined();
  });

  it('should end a session unused for the idle timeout', async () => {
    const cookie = await sessions.issue('ops1', NOW);
    expect(await sessions.verify(cookie, NOW + IDLE - 1)).toBe('ops1');
    expect(await sessions.verify(cookie, NOW + 2 * IDLE - 1)).toBeUndefined();
  });

  it('should end a session on sign-out', async () => {
    const cookie = await sessions.issue('ops1', NOW);
    await sessions.end(cookie);
    expect(await sessions.verify(cookie, NOW)).toBeUndefined();
  });

  it('should refuse a cookie that was altered or signed with another secret', async () => {
    const cookie = await sessions.issue('ops1', NOW);
    const [v, id, sig] = cookie.split('.');
    expect(await sessions.verify(`${v}.${id.slice(1)}A.${sig}`, NOW)).toBeUndefined();
    expect(await withKeys(KEYS, 'another-session-secret-of-32-chars!!!!!').verify(cookie, NOW)).toBeUndefined();
    expect(await sessions.verify('garbage', NOW)).toBeUndefined();
    expect(await sessions.verify(undefined, NOW)).toBeUndefined();
  });

  it('should end the sessions of a key that is no longer configured, or whose secret changed', async () => {
    const cookie = await sessions.issue('ops1', NOW);
    expect(await withKeys([{ ...KEYS[0], secret: 'ops-secret-0002' }]).verify(cookie, NOW)).toBeUndefined();
    expect(await withKeys([KEYS[1]]).verify(cookie, NOW)).toBeUndefined();
    expect(await sessions.verify(cookie, NOW)).toBeUndefined(); // ended, not only refused
  });
});

describe(readCookie.name, () => {
  it('should read one cookie among several', () => {
    expect(readCookie('a=1; esr_status_session=v1.x.2.y; b=3', 'esr_status_session')).toBe('v1.x.2.y');
    expect(readCookie(undefined, 'a')).toBeUndefined();
  });
});

describe(sessionCookie.name, () => {
  it('should be HttpOnly, SameSite=Strict and scoped to /status, Secure when asked', () => {
    expect(sessionCookie('v', 60, false)).toBe('esr_status_session=v; Path=/status; Max-Age=60; HttpOnly; SameSite=Strict');
    expect(sessionCookie('v', 60, true)).toMatch(/; Secure$/);
  });
});

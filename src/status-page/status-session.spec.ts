import { ApiKeyRing } from '../common/auth/api-key-ring';
import { readCookie, sessionCookie, StatusSessions } from './status-session';

const KEYS = [
  { id: 'ops1', secret: 'ops-secret-0001', scopes: ['ops' as const] },
  { id: 'portal1', secret: 'portal-secret-01', scopes: ['portal' as const] },
  { id: 'ops-979', secret: 'ops-979-secret-01', scopes: ['ops' as const], vpds: ['979'] },
];
const NOW = Date.parse('2026-11-25T10:00:00Z');
const TTL = 8 * 3_600_000;

describe(StatusSessions.name, () => {
  const sessions = new StatusSessions(new ApiKeyRing(KEYS), 'a-session-secret-of-at-least-32-chars!!', TTL);

  it('should sign in with an ops key only', () => {
    expect(sessions.signIn('ops-secret-0001')?.id).toBe('ops1');
    expect(sessions.signIn('portal-secret-01')).toBeUndefined();
    expect(sessions.signIn('nope')).toBeUndefined();
    expect(sessions.signIn(undefined)).toBeUndefined();
  });

  it('should refuse an ops key restricted to some VPDs (the page shows every VPD), at sign-in and in a cookie', () => {
    expect(sessions.signIn('ops-979-secret-01')).toBeUndefined();
    expect(sessions.verify(sessions.issue('ops-979', NOW), NOW)).toBeUndefined();
  });

  it('should accept its own cookie until it expires', () => {
    const cookie = sessions.issue('ops1', NOW);
    expect(sessions.verify(cookie, NOW + TTL - 1)).toBe('ops1');
    expect(sessions.verify(cookie, NOW + TTL)).toBeUndefined();
  });

  it('should refuse a cookie that was altered or signed with another secret', () => {
    const cookie = sessions.issue('ops1', NOW);
    const [v, id, exp, sig] = cookie.split('.');
    expect(sessions.verify(`${v}.${id}.${Number(exp) + 1000}.${sig}`, NOW)).toBeUndefined();
    expect(sessions.verify(`${v}.portal1.${exp}.${sig}`, NOW)).toBeUndefined();
    const other = new StatusSessions(new ApiKeyRing(KEYS), 'another-session-secret-of-32-chars!!!!!', TTL);
    expect(other.verify(cookie, NOW)).toBeUndefined();
    expect(sessions.verify('garbage', NOW)).toBeUndefined();
    expect(sessions.verify(undefined, NOW)).toBeUndefined();
  });

  it('should end the sessions of a key that is no longer configured', () => {
    const cookie = sessions.issue('ops1', NOW);
    const rotated = new StatusSessions(new ApiKeyRing([KEYS[1]]), 'a-session-secret-of-at-least-32-chars!!', TTL);
    expect(rotated.verify(cookie, NOW)).toBeUndefined();
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

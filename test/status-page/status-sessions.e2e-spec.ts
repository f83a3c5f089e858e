import { OPS_KEY, startTestApp, TEST_API_KEYS, TestApp } from '../support/test-env';

const SECRET = 'status-page-test-secret-0123456789abcdef';
const IDLE_MS = 5 * 60_000;
const ENV = { STATUS_PAGE_SESSION_SECRET: SECRET, STATUS_PAGE_IDLE_TIMEOUT: 'PT5M' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Signs in with `key`: the session cookie (name=value) and the Set-Cookie header. */
async function signIn(t: TestApp, key = OPS_KEY): Promise<{ cookie: string; setCookie: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/status/sign-in', headers: FORM, payload: `key=${encodeURIComponent(key)}` });
  expect(res.statusCode).toBe(303);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0], setCookie };
}

const page = (t: TestApp, cookie: string) => t.app.inject({ method: 'GET', url: '/status', headers: { cookie } });

describe('Status page sessions (held server-side, revocable)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(ENV);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('should set a Secure cookie outside local mode, working until sign-out and not after it', async () => {
    const { cookie, setCookie } = await signIn(t);
    expect(setCookie).toMatch(/; Secure$/);
    expect((await page(t, cookie)).statusCode).toBe(200);
    const out = await t.app.inject({ method: 'POST', url: '/status/sign-out', headers: { cookie } });
    expect(out.statusCode).toBe(303);
    expect((await page(t, cookie)).statusCode).toBe(401);
  });

  it('should end a session left unused for STATUS_PAGE_IDLE_TIMEOUT, and keep one in use', async () => {
    const idle = await signIn(t);
    const used = await signIn(t);
    for (let i = 0; i < 4; i++) {
      t.clock.advance(IDLE_MS / 2);
      expect((await page(t, used.cookie)).statusCode).toBe(200);
    }
    expect((await page(t, idle.cookie)).statusCode).toBe(401);
  });

  it('should end every session when the ops key secret or the session secret changes (a restart with new values)', async () => {
    const { cookie } = await signIn(t);
    const rotatedKey = TEST_API_KEYS.replace(`ops1:${OPS_KEY}`, 'ops1:ops-test-key-rotated-01');
    const samePlace = { shareStoresWith: t };
    const withNewKey = await startTestApp({ ...ENV, API_KEYS: rotatedKey }, t.clock, samePlace);
    const withNewSecret = await startTestApp({ ...ENV, STATUS_PAGE_SESSION_SECRET: `${SECRET}-rotated` }, t.clock, samePlace);
    const unchanged = await startTestApp(ENV, t.clock, samePlace);
    try {
      expect((await page(unchanged, cookie)).statusCode).toBe(200);
      expect((await page(withNewSecret, cookie)).statusCode).toBe(401);
      expect((await page(withNewKey, cookie)).statusCode).toBe(401);
      expect((await page(unchanged, cookie)).statusCode).toBe(401); // the replica with the new key ended it
    } finally {
      await Promise.all([withNewKey.app.close(), withNewSecret.app.close(), unchanged.app.close()]);
    }
  }, 60_000);
});

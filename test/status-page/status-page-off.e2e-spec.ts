/** The status page is switched off by configuration, and stays off (fail closed) without a session secret. */
import { OPS_KEY, startTestApp, TestApp } from '../support/test-env';

describe('Status page switched off', () => {
  let t: TestApp;

  afterEach(async () => {
    await t?.close();
  });

  for (const [name, env] of [
    ['STATUS_PAGE_ENABLED=false', { STATUS_PAGE_ENABLED: 'false', STATUS_PAGE_SESSION_SECRET: 'status-page-test-secret-0123456789abcdef' }],
    ['no STATUS_PAGE_SESSION_SECRET with DATABASE_URL set', {}],
  ] as const) {
    it(`should answer 404 with the contract error body, and accept no sign-in, with ${name}`, async () => {
      t = await startTestApp({ ...env });
      const page = await t.app.inject({ method: 'GET', url: '/status' });
      expect(page.statusCode).toBe(404);
      expect(page.json()).toMatchObject({ error: 'NOT_FOUND' });
      const signIn = await t.app.inject({
        method: 'POST',
        url: '/status/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `key=${OPS_KEY}`,
      });
      expect(signIn.statusCode).toBe(404);
      expect(signIn.headers['set-cookie']).toBeUndefined();
    });
  }
});

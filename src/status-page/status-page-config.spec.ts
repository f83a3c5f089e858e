import { validateEnvironment } from '../config/env.schema';
import { StatusPageSettings } from '../config/settings/status-page.settings';

const PG = {
  DATABASE_URL: 'postgres://db/esr',
  ESR_BASE_URL: 'https://esr.example.nhs.uk',
  API_KEYS: 'ops1:ops-secret-000001:ops',
  AUDIT_HMAC_SECRET: 'audit-secret-0123456789',
  ESR_CLIENT_SECRET: 'esr-client-secret-0001',
};
const SECRET = 'a-status-page-secret-of-32-chars-or-more';
const statusPage = (env: Record<string, string>) => new StatusPageSettings(validateEnvironment(env));

describe('Status page configuration', () => {
  it('should be on in the local mode, with a secret made per process', () => {
    expect(statusPage({})).toMatchObject({ enabled: true, sessionSecret: undefined });
  });

  it('should stay off outside the local mode until STATUS_PAGE_SESSION_SECRET is set (fail closed)', () => {
    expect(statusPage(PG).enabled).toBe(false);
    expect(statusPage({ ...PG, STATUS_PAGE_SESSION_SECRET: SECRET })).toMatchObject({ enabled: true, sessionSecret: SECRET });
  });

  it('should refuse to start when the page is asked for outside the local mode without a secret', () => {
    expect(() => validateEnvironment({ ...PG, STATUS_PAGE_ENABLED: 'true' })).toThrow(/STATUS_PAGE_SESSION_SECRET: must be set/);
  });

  it('should refuse a short secret, naming the variable', () => {
    expect(() => validateEnvironment({ STATUS_PAGE_SESSION_SECRET: 'short' })).toThrow(
      /STATUS_PAGE_SESSION_SECRET must be at least 32 characters/,
    );
  });

  it('should be off whenever STATUS_PAGE_ENABLED=false', () => {
    expect(statusPage({ STATUS_PAGE_ENABLED: 'false' }).enabled).toBe(false);
    expect(statusPage({ ...PG, STATUS_PAGE_ENABLED: 'false', STATUS_PAGE_SESSION_SECRET: SECRET }).enabled).toBe(false);
  });

  it('should mark the cookie Secure in production', () => {
    expect(statusPage({ ...PG, NODE_ENV: 'production' }).secureCookie).toBe(true);
    expect(statusPage({}).secureCookie).toBe(false);
  });
});

import { validateEnvironment } from './env.schema';
import { settingsFrom } from './settings/settings';
import { problemsOf } from '../../test/support/config-problems';

/** A valid production environment: strong secrets, https:// everywhere. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://u@db:5432/gw',
  ESR_BASE_URL: 'https://esr.example.nhs.uk/api',
  API_KEYS: 'portal1:0123456789abcdef:portal,ops1:fedcba9876543210:ops',
  AUDIT_HMAC_SECRET: '0123456789abcdef0123',
  ESR_CLIENT_SECRET: 'esr-client-secret-0123',
};

describe('weak configuration outside local mode', () => {
  it('should accept a strong production configuration', () => {
    expect(problemsOf(PRODUCTION)).toEqual([]);
  });

  it('should refuse the public local key of the README, naming API_KEYS and the key', () => {
    expect(problemsOf({ ...PRODUCTION, API_KEYS: 'local:local-dev-key:portal+ops' })).toEqual([
      'API_KEYS: key local uses the public local key shown in the README; it is refused outside local mode',
    ]);
  });

  it('should refuse an API key secret shorter than 16 characters', () => {
    expect(problemsOf({ ...PRODUCTION, API_KEYS: 'portal1:0123456789abcdef:portal,ops1:short-secret:ops' })).toEqual([
      'API_KEYS: the secret of key ops1 must be at least 16 characters outside local mode',
    ]);
  });

  it('should refuse the local audit key', () => {
    expect(problemsOf({ ...PRODUCTION, AUDIT_HMAC_SECRET: 'local-development-audit-key' })).toEqual([
      expect.stringMatching(/^AUDIT_HMAC_SECRET: the local audit key is refused outside local mode/),
    ]);
  });

  it('should refuse a short AUDIT_HMAC_SECRET and STATUS_PAGE_SESSION_SECRET', () => {
    const problems = problemsOf({ ...PRODUCTION, AUDIT_HMAC_SECRET: 'short', STATUS_PAGE_SESSION_SECRET: 'short' });
    expect(problems).toEqual([expect.stringMatching(/^AUDIT_HMAC_SECRET/), expect.stringMatching(/^STATUS_PAGE_SESSION_SECRET/)]);
  });

  it("should refuse ESR_CLIENT_SECRET's sandbox default and a short one, unless the client signs a JWT", () => {
    const { ESR_CLIENT_SECRET: _unused, ...withDefault } = PRODUCTION;
    expect(problemsOf(withDefault)).toEqual([
      'ESR_CLIENT_SECRET: must be set outside local mode (its default is the built-in sandbox secret)',
    ]);
    expect(problemsOf({ ...PRODUCTION, ESR_CLIENT_SECRET: 'short' })).toEqual([
      expect.stringMatching(/^ESR_CLIENT_SECRET: must be at least 16/),
    ]);
    expect(problemsOf({ ...withDefault, ESR_CLIENT_AUTH: 'private_key_jwt' }).filter((p) => p.startsWith('ESR_CLIENT_SECRET'))).toEqual([]);
  });

  it('should require https:// for ESR_BASE_URL, ESR_TOKEN_URL and WEBHOOK_URL, naming each', () => {
    const insecure = {
      ...PRODUCTION,
      ESR_BASE_URL: 'http://esr.example.nhs.uk/api',
      ESR_TOKEN_URL: 'http://esr.example.nhs.uk/token',
      WEBHOOK_URL: 'http://portal.example.nhs.uk/hooks',
      WEBHOOK_SECRET: `whsec_${Buffer.from('webhook-signing-key-0123456789ab').toString('base64')}`,
    };
    expect(problemsOf(insecure)).toEqual(
      ['ESR_BASE_URL', 'ESR_TOKEN_URL', 'WEBHOOK_URL'].map(
        (name) => `${name}: must be an https:// URL outside local mode (or set ALLOW_INSECURE_HTTP=true, e.g. for a test set-up)`,
      ),
    );
    const allowed = { ...insecure, ALLOW_INSECURE_HTTP: 'true' };
    expect(problemsOf(allowed)).toEqual([]);
    expect(settingsFrom(validateEnvironment(allowed)).http.insecureWarnings).toEqual([
      'ALLOW_INSECURE_HTTP=true: ESR_BASE_URL, ESR_TOKEN_URL, WEBHOOK_URL use plain http:// outside local mode',
    ]);
  });

  it('should allow all of it in local mode, without warnings', () => {
    const local = { API_KEYS: 'local:local-dev-key:portal+ops', AUDIT_HMAC_SECRET: 'local-development-audit-key' };
    expect(problemsOf(local)).toEqual([]);
    expect(settingsFrom(validateEnvironment(local)).http.insecureWarnings).toEqual([]);
  });

  it('should mark the status cookie Secure whenever the service is not in local mode', () => {
    const { NODE_ENV: _unused, ...withoutNodeEnv } = PRODUCTION;
    expect(settingsFrom(validateEnvironment(withoutNodeEnv)).statusPage.secureCookie).toBe(true);
    expect(settingsFrom(validateEnvironment({})).statusPage.secureCookie).toBe(false);
  });

  it('should read TRUST_PROXY as a list of addresses and CIDRs, refusing anything else', () => {
    expect(settingsFrom(validateEnvironment({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,fd00::/8' })).http.trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      'fd00::/8',
    ]);
    expect(settingsFrom(validateEnvironment({})).http.trustProxy).toEqual([]);
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33,proxy.local' })).toEqual([
      'TRUST_PROXY: must be comma-separated IP addresses or CIDRs of proxies (e.g. 10.0.0.0/8,fd00::/8); not 10.0.0.0/33, proxy.local',
    ]);
  });
});

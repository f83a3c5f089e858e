import { LOCAL_DEV_API_KEY } from './api-keys';
import { ConfigValidationError, validateEnvironment } from './env.schema';
import { settingsFrom } from './settings/settings';

const Y = true;
const _ = false;
const SET = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://u@db:5432/gw',
  ESR_BASE_URL: 'https://esr.example.nhs.uk/api',
  API_KEYS: 'portal1:portal-secret-0001:portal',
  ESR_CLIENT_SECRET: 'esr-client-secret-0001',
  AUDIT_HMAC_SECRET: '0123456789abcdef0123',
};

/** The problems validation reports for an environment, or 'started' when it is accepted. */
function outcome(env: Record<string, string>): string[] | 'started' {
  try {
    validateEnvironment(env);
    return 'started';
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
}

describe('Local mode and failing closed', () => {
  // Every combination of the five variables: local mode is exactly no NODE_ENV=production, no
  // DATABASE_URL and no ESR_BASE_URL; anywhere else API_KEYS, AUDIT_HMAC_SECRET and ESR_BASE_URL are required.
  // prettier-ignore
  const table: [production: boolean, database: boolean, esr: boolean, apiKeys: boolean, auditKey: boolean, mode: 'local' | 'deployed', missing: string[]][] = [
    [_, _, _, _, _, 'local', []],
    [_, _, _, _, Y, 'local', []],
    [_, _, _, Y, _, 'local', []],
    [_, _, _, Y, Y, 'local', []],
    [_, _, Y, _, _, 'deployed', ['API_KEYS', 'AUDIT_HMAC_SECRET']],
    [_, _, Y, _, Y, 'deployed', ['API_KEYS']],
    [_, _, Y, Y, _, 'deployed', ['AUDIT_HMAC_SECRET']],
    [_, _, Y, Y, Y, 'deployed', []],
    [_, Y, _, _, _, 'deployed', ['API_KEYS', 'AUDIT_HMAC_SECRET', 'ESR_BASE_URL']],
    [_, Y, _, _, Y, 'deployed', ['API_KEYS', 'ESR_BASE_URL']],
    [_, Y, _, Y, _, 'deployed', ['AUDIT_HMAC_SECRET', 'ESR_BASE_URL']],
    [_, Y, _, Y, Y, 'deployed', ['ESR_BASE_URL']],
    [_, Y, Y, _, _, 'deployed', ['API_KEYS', 'AUDIT_HMAC_SECRET']],
    [_, Y, Y, _, Y, 'deployed', ['API_KEYS']],
    [_, Y, Y, Y, _, 'deployed', ['AUDIT_HMAC_SECRET']],
    [_, Y, Y, Y, Y, 'deployed', []],
    [Y, _, _, _, _, 'deployed', ['API_KEYS', 'AUDIT_HMAC_SECRET', 'ESR_BASE_URL']],
    [Y, _, _, _, Y, 'deployed', ['API_KEYS', 'ESR_BASE_URL']],
    [Y, _, _, Y, _, 'deployed', ['AUDIT_HMAC_SECRET', 'ESR_BASE_URL']],
    [Y, _, _, Y, Y, 'deployed', ['ESR_BASE_URL']],
    [Y, _, Y, _, _, 'deployed', ['API_KEYS', 'AUDIT_HMAC_SECRET']],
    [Y, _, Y, _, Y, 'deployed', ['API_KEYS']],
    [Y, _, Y, Y, _, 'deployed', ['AUDIT_HMAC_SECRET']],
    [Y, _, Y, Y, Y, 'deployed', []],
    [Y, Y, _, _, _, 'deployed', ['API_KEYS', 'AUDIT_HMAC_SECRET', 'ESR_BASE_URL']],
    [Y, Y, _, _, Y, 'deployed', ['API_KEYS', 'ESR_BASE_URL']],
    [Y, Y, _, Y, _, 'deployed', ['AUDIT_HMAC_SECRET', 'ESR_BASE_URL']],
    [Y, Y, _, Y, Y, 'deployed', ['ESR_BASE_URL']],
    [Y, Y, Y, _, _, 'deployed', ['API_KEYS', 'AUDIT_HMAC_SECRET']],
    [Y, Y, Y, _, Y, 'deployed', ['API_KEYS']],
    [Y, Y, Y, Y, _, 'deployed', ['AUDIT_HMAC_SECRET']],
    [Y, Y, Y, Y, Y, 'deployed', []],
  ];

  it.each(table)(
    'should, with production=%s DATABASE_URL=%s ESR_BASE_URL=%s API_KEYS=%s AUDIT_HMAC_SECRET=%s, run %s mode or refuse naming %j',
    (production, database, esr, apiKeys, auditKey, mode, missing) => {
      const env: Record<string, string> = {
        ...(production ? { NODE_ENV: SET.NODE_ENV } : {}),
        ...(database ? { DATABASE_URL: SET.DATABASE_URL } : {}),
        ...(esr ? { ESR_BASE_URL: SET.ESR_BASE_URL } : {}),
        ...(apiKeys ? { API_KEYS: SET.API_KEYS } : {}),
        ...(auditKey ? { AUDIT_HMAC_SECRET: SET.AUDIT_HMAC_SECRET } : {}),
        ESR_CLIENT_SECRET: SET.ESR_CLIENT_SECRET,
      };
      const result = outcome(env);

      if (missing.length > 0) {
        expect(result).not.toBe('started');
        expect((result as string[]).map((p) => p.split(':')[0])).toEqual(missing);
        for (const problem of result as string[]) expect(problem).toContain('outside local mode');
        return;
      }
      expect(result).toBe('started');
      const settings = settingsFrom(validateEnvironment(env));
      expect(settings.localMode.enabled).toBe(mode === 'local');
      expect(settings.http.host).toBe(mode === 'local' ? '127.0.0.1' : '0.0.0.0');
      expect(settings.apiKeys.usesLocalKey).toBe(!apiKeys);
      expect(settings.apiKeys.keys.includes(LOCAL_DEV_API_KEY)).toBe(!apiKeys);
      expect(settings.audit.usesLocalKey).toBe(!auditKey);
      expect(settings.esr.baseUrl).toBe(esr ? SET.ESR_BASE_URL : undefined);
    },
  );

  it.each(['development', 'test'])('should treat NODE_ENV=%s like no NODE_ENV', (nodeEnv) => {
    const settings = settingsFrom(validateEnvironment({ NODE_ENV: nodeEnv }));
    expect(settings.localMode.enabled).toBe(true);
    expect(settings.http.host).toBe('127.0.0.1');
  });

  it('should listen where HOST says, in local mode too', () => {
    expect(settingsFrom(validateEnvironment({ HOST: '0.0.0.0' })).http.host).toBe('0.0.0.0');
    expect(settingsFrom(validateEnvironment({ ...SET, HOST: '10.0.0.5' })).http.host).toBe('10.0.0.5');
  });

  it('should say why local mode does not apply', () => {
    expect(outcome({ NODE_ENV: 'production', DATABASE_URL: SET.DATABASE_URL })).toContain(
      'ESR_BASE_URL: must be set outside local mode (NODE_ENV=production, DATABASE_URL is set); local defaults are only for local mode',
    );
  });

  it('should decide the mode only once NODE_ENV, DATABASE_URL and ESR_BASE_URL are valid', () => {
    expect(outcome({ DATABASE_URL: 'mysql://db/gw' })).toEqual(['DATABASE_URL must be a postgres:// URL']);
  });

  it.each([
    ['portal1:1234567:portal', false],
    ['portal1:12345678:portal', true],
    ['portal1:12345678:portal,ops1:short:ops', false],
  ])('should accept API_KEYS=%s in local mode only when every secret has at least 8 characters (%s)', (keys, accepted) => {
    const result = outcome({ API_KEYS: keys });
    if (accepted) expect(result).toBe('started');
    else expect(result).toEqual([expect.stringMatching(/^API_KEYS is invalid: .*secret shorter than 8 characters/)]);
  });
});

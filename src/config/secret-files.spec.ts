import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEnvironment } from './env.schema';
import { resolveSecretFiles, SECRET_FILE_VARIABLES } from './secret-files';
import { Settings, settingsFrom } from './settings/settings';
import { problemsOf } from '../../test/support/config-problems';

const DEPLOYED = {
  DATABASE_URL: 'postgres://u@db:5432/gw',
  ESR_BASE_URL: 'https://esr.example.nhs.uk/api',
  API_KEYS: 'portal1:portal-secret-0001:portal',
  ESR_CLIENT_SECRET: 'esr-client-secret-0001',
  AUDIT_HMAC_SECRET: '0123456789abcdef0123',
};

const EC_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

type Row = [variable: string, value: string, read: (s: Settings) => unknown, expected: unknown, extra?: Record<string, string>];

// Each secret variable read from its file (with a trailing newline, as editors and `kubectl create secret --from-file` leave it).
// prettier-ignore
const TABLE: Row[] = [
  ['API_KEYS', 'ops1:ops-secret-from-file:ops', (s) => s.apiKeys.keys, [{ id: 'ops1', secret: 'ops-secret-from-file', scopes: ['ops'] }]],
  ['AUDIT_HMAC_SECRET', 'audit-key-from-a-file-0123', (s) => s.audit.hmacSecret, 'audit-key-from-a-file-0123'],
  ['ESR_CLIENT_SECRET', 'esr secret from a file', (s) => s.esr.clientSecret, 'esr secret from a file'],
  ['ESR_CLIENT_PRIVATE_KEY', EC_PEM, (s) => s.esr.clientAuth.method === 'private_key_jwt' && s.esr.clientAuth.alg, 'ES256', { ESR_CLIENT_AUTH: 'private_key_jwt', ESR_CLIENT_KEY_ID: 'k1' }],
  ['WEBHOOK_SECRET', 'webhook-secret-from-file', (s) => s.webhooks.target?.secret, 'webhook-secret-from-file', { WEBHOOK_URL: 'https://portal.example/hook' }],
  ['STATUS_PAGE_SESSION_SECRET', 'status-page-secret-from-a-file-0123456789', (s) => s.statusPage.sessionSecret, 'status-page-secret-from-a-file-0123456789'],
  ['DATABASE_URL', 'postgres://gw:p%40ss@db.internal:5432/gw?sslmode=verify-full', (s) => s.database.connection, { kind: 'postgres', url: 'postgres://gw:p%40ss@db.internal:5432/gw?sslmode=verify-full', poolSize: 10 }],
];

describe(resolveSecretFiles.name, () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'secret-files-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const fileWith = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const without = (env: Record<string, string>, name: string): Record<string, string> =>
    Object.fromEntries(Object.entries(env).filter(([key]) => key !== name));

  it.each(TABLE)(
    'should read %s from the file its _FILE variable names, trailing newline removed',
    (variable, value, read, expected, extra = {}) => {
      const env = { ...without(DEPLOYED, variable), ...extra, [`${variable}_FILE`]: fileWith(variable, `${value}\n`) };
      expect(read(settingsFrom(validateEnvironment(env)))).toEqual(expected);
    },
  );

  it.each(SECRET_FILE_VARIABLES.map((v) => [v]))('should refuse %s set both directly and as a file', (variable) => {
    const env = { ...DEPLOYED, [variable]: 'direct-value-0123456789', [`${variable}_FILE`]: fileWith(`${variable}.both`, 'file-value') };
    expect(resolveSecretFiles(env).problems).toEqual([`${variable}: set either ${variable} or ${variable}_FILE, not both`]);
    expect(problemsOf(env)).toContain(`${variable}: set either ${variable} or ${variable}_FILE, not both`);
  });

  it.each(SECRET_FILE_VARIABLES.map((v) => [v]))('should refuse %s_FILE naming a file that cannot be read', (variable) => {
    const path = join(dir, 'missing', variable);
    const env = { ...without(DEPLOYED, variable), [`${variable}_FILE`]: path };
    expect(resolveSecretFiles(env).problems).toEqual([`${variable}_FILE: cannot read ${path} (ENOENT)`]);
    expect(problemsOf(env)).toContain(`${variable}_FILE: cannot read ${path} (ENOENT)`);
  });

  it('should read the Redis passwords from their files for the Redis settings', () => {
    const env = { REDIS_PASSWORD_FILE: fileWith('redis', 'r-pass\n'), REDIS_SENTINEL_PASSWORD_FILE: fileWith('sentinel', 's-pass\r\n') };
    expect(resolveSecretFiles(env)).toEqual({ env: { REDIS_PASSWORD: 'r-pass', REDIS_SENTINEL_PASSWORD: 's-pass' }, problems: [] });
  });

  it('should keep a value in the file as it is apart from trailing newlines', () => {
    const env = { AUDIT_HMAC_SECRET_FILE: fileWith('spaces', '  key with spaces 0123  \n\n') };
    expect(resolveSecretFiles(env).env.AUDIT_HMAC_SECRET).toBe('  key with spaces 0123  ');
  });

  it('should validate a value read from a file like one set directly', () => {
    const env = { ...without(DEPLOYED, 'AUDIT_HMAC_SECRET'), AUDIT_HMAC_SECRET_FILE: fileWith('short', 'too-short\n') };
    expect(problemsOf(env)).toEqual(['AUDIT_HMAC_SECRET must be at least 16 characters']);
  });

  it('should ignore an empty NAME_FILE', () => {
    expect(resolveSecretFiles({ API_KEYS: 'a:b:portal', API_KEYS_FILE: '' })).toEqual({ env: { API_KEYS: 'a:b:portal' }, problems: [] });
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JtiMemory } from './sandbox.client-assertion';
import { clientKeyFromPem, JWT_BEARER_ASSERTION_TYPE, parseAuthMethods, parseClientKey, presentedCredentials } from './sandbox.client-auth';
import { sandboxOptionsFromEnv } from './sandbox.env';

const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
const rsaJwk = { ...rsaKey.export({ format: 'jwk' }), kid: 'rsa-1' };
const ecJwk = { ...ecKey.export({ format: 'jwk' }), kid: 'ec-1' };

const fields =
  (form: Record<string, string>) =>
  (name: string): string | undefined =>
    form[name];
const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`;
const statusOf = (run: () => unknown): number | undefined => {
  try {
    run();
    return 200;
  } catch (error) {
    return (error as { status?: number }).status;
  }
};

describe(presentedCredentials.name, () => {
  it('should tell the three methods apart', () => {
    expect(presentedCredentials(fields({ client_id: 'c', client_secret: 's' }), undefined)).toEqual({
      method: 'client_secret_post',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(presentedCredentials(fields({}), basic('trust+a%2Fb:p%40ss+word%3A'))).toEqual({
      method: 'client_secret_basic',
      clientId: 'trust a/b',
      clientSecret: 'p@ss word:',
    });
    expect(
      presentedCredentials(fields({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: 'a.b.c' }), undefined),
    ).toEqual({ method: 'private_key_jwt', clientId: undefined, assertion: 'a.b.c' });
  });

  it('should answer 400 to none or several methods, and 401 to malformed Basic credentials', () => {
    expect(statusOf(() => presentedCredentials(fields({ client_id: 'c' }), undefined))).toBe(400);
    expect(statusOf(() => presentedCredentials(fields({ client_secret: 's' }), basic('c:s')))).toBe(400);
    expect(statusOf(() => presentedCredentials(fields({ client_secret: 's', client_assertion: 'x' }), undefined))).toBe(400);
    expect(statusOf(() => presentedCredentials(fields({ client_id: 'other' }), basic('c:s')))).toBe(400);
    expect(statusOf(() => presentedCredentials(fields({}), 'Digest x'))).toBe(400);
    expect(statusOf(() => presentedCredentials(fields({}), basic('no-colon')))).toBe(401);
    expect(statusOf(() => presentedCredentials(fields({}), basic('c:%E0%A4%A')))).toBe(401);
  });
});

describe(parseClientKey.name, () => {
  it('should register RSA keys for RS512 and P-256 keys for ES256, public parts only', () => {
    expect(parseClientKey(rsaJwk)).toEqual({ kty: 'RSA', kid: 'rsa-1', alg: 'RS512', use: 'sig', n: rsaJwk.n, e: rsaJwk.e });
    expect(parseClientKey({ ...ecJwk, alg: 'ES256' })).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: 'ec-1' });
    expect(clientKeyFromPem(rsaKey.export({ format: 'pem', type: 'spki' }).toString(), 'from-pem')).toMatchObject({
      kid: 'from-pem',
      alg: 'RS512',
    });
  });

  it('should refuse keys without a kid, with a private part, of another kind or too small', () => {
    const small = { ...generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }), kid: 'k' };
    const p384 = { ...generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }), kid: 'k' };
    const privateJwk = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'k' };
    for (const bad of [
      { ...rsaJwk, kid: undefined },
      privateJwk,
      small,
      p384,
      { ...ecJwk, alg: 'RS512' },
      { kty: 'oct', k: 'x', kid: 'k' },
      'x',
    ])
      expect(statusOf(() => parseClientKey(bad))).toBe(400);
    expect(statusOf(() => clientKeyFromPem('not a key', 'k'))).toBe(400);
  });
});

describe(parseAuthMethods.name, () => {
  it('should accept a non-empty set of the three methods', () => {
    expect(parseAuthMethods(['private_key_jwt', 'private_key_jwt'])).toEqual(['private_key_jwt']);
    expect(() => parseAuthMethods([])).toThrow(RangeError);
    expect(() => parseAuthMethods(['tls_client_auth'])).toThrow(/tls_client_auth/);
  });
});

describe(JtiMemory.name, () => {
  it('should refuse a jti until its assertion expires, per client, and forget expired ones', () => {
    const memory = new JtiMemory();
    expect(memory.use('c', 'j', 2_000, 1_000)).toBe(true);
    expect(memory.use('c', 'j', 2_000, 1_999)).toBe(false);
    expect(memory.use('other', 'j', 2_000, 1_999)).toBe(true);
    expect(memory.use('c', 'j', 3_000, 2_000)).toBe(true);
    for (let n = 0; n < 1_500; n++) memory.use('c', `bulk-${n}`, 5_000, 4_000);
    memory.use('c', 'late', 9_000, 6_000);
    expect(memory.size).toBeLessThan(1_000);
  });
});

describe(`${sandboxOptionsFromEnv.name} (client authentication)`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should read the methods, the JWKS file, the PEM key file with its kid and the token URL', () => {
    const jwks = path.join(dir, 'jwks.json');
    const pem = path.join(dir, 'key.pem');
    writeFileSync(jwks, JSON.stringify({ keys: [ecJwk] }));
    writeFileSync(pem, rsaKey.export({ format: 'pem', type: 'spki' }));
    const options = sandboxOptionsFromEnv({
      SANDBOX_CLIENT_AUTH_METHODS: 'private_key_jwt, client_secret_basic',
      SANDBOX_CLIENT_JWKS_FILE: jwks,
      SANDBOX_CLIENT_PUBLIC_KEY_FILE: pem,
      SANDBOX_CLIENT_KEY_ID: 'rsa-pem',
      SANDBOX_TOKEN_URL: 'https://esr.example/oauth2/token',
    });
    expect(options.clientAuthMethods).toEqual(['private_key_jwt', 'client_secret_basic']);
    expect(options.clientKeys).toEqual([expect.objectContaining({ kid: 'ec-1' }), expect.objectContaining({ kid: 'rsa-pem' })]);
    expect(options.tokenUrl).toBe('https://esr.example/oauth2/token');
  });

  it('should name every bad client-authentication variable', () => {
    expect(() =>
      sandboxOptionsFromEnv({
        SANDBOX_CLIENT_AUTH_METHODS: 'password',
        SANDBOX_CLIENT_JWKS_FILE: path.join(dir, 'missing.json'),
        SANDBOX_CLIENT_PUBLIC_KEY_FILE: path.join(dir, 'key.pem'),
        SANDBOX_TOKEN_URL: 'not a url',
      }),
    ).toThrow(/SANDBOX_CLIENT_AUTH_METHODS[\s\S]*SANDBOX_CLIENT_JWKS_FILE[\s\S]*SANDBOX_CLIENT_KEY_ID[\s\S]*SANDBOX_TOKEN_URL/);
  });
});

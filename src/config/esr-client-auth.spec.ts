import { generateKeyPairSync } from 'node:crypto';
import { parseEsrClientKey } from './esr-client-auth';
import { problemsOf } from '../../test/support/config-problems';

const pkcs8 = (pair: ReturnType<typeof generateKeyPairSync>): string => pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const RSA_PEM = pkcs8(generateKeyPairSync('rsa', { modulusLength: 2048 }));
const EC_PEM = pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }));

describe(parseEsrClientKey.name, () => {
  it('should sign RS512 with an RSA key and ES256 with an EC P-256 key', () => {
    expect(parseEsrClientKey(RSA_PEM).alg).toBe('RS512');
    expect(parseEsrClientKey(EC_PEM).alg).toBe('ES256');
    expect(parseEsrClientKey(EC_PEM, 'ES256').key.asymmetricKeyType).toBe('ec');
  });

  it.each([
    ['text that is no key', () => 'not a key', 'is not a PEM private key'],
    [
      'a public key',
      () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }) as string,
      'is not a PEM private key',
    ],
    ['a 1024-bit RSA key', () => pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 })), 'fewer than 2048 bits'],
    ['an EC P-384 key', () => pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-384' })), 'use RSA (RS512) or EC P-256 (ES256)'],
    ['an Ed25519 key', () => pkcs8(generateKeyPairSync('ed25519')), 'is a ed25519 key'],
  ])('should refuse %s', (_what, pem, message) => {
    expect(() => parseEsrClientKey(pem())).toThrow(message);
  });

  it('should refuse an algorithm that does not fit the key', () => {
    expect(() => parseEsrClientKey(RSA_PEM, 'ES256')).toThrow('signs RS512, not ES256 (ESR_CLIENT_ASSERTION_ALG)');
  });
});

describe('ESR_CLIENT_AUTH validation', () => {
  it('should default to client_secret_post with the configured secret', () => {
    expect(problemsOf({})).toEqual([]);
  });

  it('should accept private_key_jwt with a key and its kid', () => {
    expect(problemsOf({ ESR_CLIENT_AUTH: 'private_key_jwt', ESR_CLIENT_PRIVATE_KEY: RSA_PEM, ESR_CLIENT_KEY_ID: 'k1' })).toEqual([]);
  });

  it('should refuse private_key_jwt without a key or a kid, naming both variables', () => {
    expect(problemsOf({ ESR_CLIENT_AUTH: 'private_key_jwt' })).toEqual([
      'ESR_CLIENT_KEY_ID: must be set when ESR_CLIENT_AUTH=private_key_jwt (the kid ESR knows the key by)',
      'ESR_CLIENT_PRIVATE_KEY_FILE: must be set when ESR_CLIENT_AUTH=private_key_jwt (a PEM private key, PKCS#8)',
    ]);
  });

  it('should refuse a key of an unsupported type, naming the file variable', () => {
    const ed = pkcs8(generateKeyPairSync('ed25519'));
    expect(problemsOf({ ESR_CLIENT_AUTH: 'private_key_jwt', ESR_CLIENT_PRIVATE_KEY: ed, ESR_CLIENT_KEY_ID: 'k1' })).toEqual([
      'ESR_CLIENT_PRIVATE_KEY_FILE: the key is a ed25519 key; use RSA (RS512) or EC P-256 (ES256)',
    ]);
  });

  it('should refuse ESR_CLIENT_ASSERTION_ALG that the key cannot sign', () => {
    const env = {
      ESR_CLIENT_AUTH: 'private_key_jwt',
      ESR_CLIENT_PRIVATE_KEY: EC_PEM,
      ESR_CLIENT_KEY_ID: 'k1',
      ESR_CLIENT_ASSERTION_ALG: 'RS512',
    };
    expect(problemsOf(env)).toEqual(['ESR_CLIENT_PRIVATE_KEY_FILE: the key signs ES256, not RS512 (ESR_CLIENT_ASSERTION_ALG)']);
  });

  it.each([
    [{ ESR_CLIENT_AUTH: 'client_secret_jwt' }, 'ESR_CLIENT_AUTH must be one of client_secret_post, client_secret_basic, private_key_jwt'],
    [{ ESR_CLIENT_ASSERTION_ALG: 'HS256' }, 'ESR_CLIENT_ASSERTION_ALG must be one of RS512, ES256'],
    [{ ESR_TOKEN_URL: 'ftp://idp/token' }, 'ESR_TOKEN_URL must be an http(s) URL'],
    [{ ESR_CLIENT_AUTH: 'client_secret_basic', ESR_CLIENT_SECRET: '' }, 'ESR_CLIENT_SECRET must be longer than or equal to 1 characters'],
    [{ HTTPS_PROXY: 'proxy.internal:3128' }, 'HTTPS_PROXY must be an http(s) URL'],
  ])('should refuse %j', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });
});

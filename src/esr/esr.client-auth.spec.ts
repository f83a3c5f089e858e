import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import nock from 'nock';
import { TEST_ESR_BASE_URL as BASE, makeTestClient } from '../../test/esr/esr.fixtures';
import { CLIENT_ASSERTION_LIFETIME_SECONDS, JWT_BEARER_ASSERTION_TYPE, formEncode, tokenRequestBody } from './esr.client-auth';
import { EsrRejectedError } from './esr.errors';

type Form = Record<string, string>;
interface Seen {
  form?: Form;
  headers?: Record<string, string | string[] | undefined>;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: typeof rsa.privateKey): string => key.export({ format: 'pem', type: 'pkcs8' }) as string;

/** A client id and secret that need form-urlencoding inside HTTP Basic. */
const CLIENT_ID = 'gw client:1';
const CLIENT_SECRET = 's3cr%t +/:é';

/** Answers one token request, handing its form and headers to `seen`, then one VPD listing with the token. */
function esrAnswering(seen: Seen, tokenPath = '/oauth2/token'): nock.Scope {
  return nock(BASE)
    .post(tokenPath, (body: Form) => {
      seen.form = body;
      return true;
    })
    .reply(function () {
      seen.headers = this.req.headers;
      return [200, { access_token: 'tok', token_type: 'Bearer', expires_in: 300 }];
    })
    .get('/esr/v1/vpds')
    .matchHeader('authorization', 'Bearer tok')
    .reply(200, { items: [] });
}

describe('ESR client authentication', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
  afterEach(() => {
    nock.cleanAll();
  });

  it('should send the id and secret in the form with client_secret_post (the default)', async () => {
    const seen: Seen = {};
    const scope = esrAnswering(seen);
    const { client } = makeTestClient({ ESR_CLIENT_ID: CLIENT_ID, ESR_CLIENT_SECRET: CLIENT_SECRET });

    await expect(client.listVpds()).resolves.toEqual([]);

    expect(seen.form).toEqual({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'esr.read' });
    expect(seen.headers?.authorization).toBeUndefined();
    scope.done();
  });

  it('should send form-urlencoded HTTP Basic credentials and no secret in the form with client_secret_basic', async () => {
    const seen: Seen = {};
    const scope = esrAnswering(seen);
    const { client } = makeTestClient({
      ESR_CLIENT_AUTH: 'client_secret_basic',
      ESR_CLIENT_ID: CLIENT_ID,
      ESR_CLIENT_SECRET: CLIENT_SECRET,
    });

    await expect(client.listVpds()).resolves.toEqual([]);

    const expected = Buffer.from('gw+client%3A1:s3cr%25t+%2B%2F%3A%C3%A9').toString('base64');
    expect(seen.headers?.authorization).toBe(`Basic ${expected}`);
    expect(seen.form).toEqual({ grant_type: 'client_credentials', scope: 'esr.read' });
    scope.done();
  });

  it.each([
    ['RS512', rsa],
    ['ES256', ec],
  ] as const)('should send a %s client assertion with the claims ESR checks and no secret with private_key_jwt', async (alg, pair) => {
    const seen: Seen = {};
    const scope = esrAnswering(seen, '/token/v2');
    const { client, clock } = makeTestClient({
      ESR_CLIENT_AUTH: 'private_key_jwt',
      ESR_CLIENT_ID: CLIENT_ID,
      ESR_CLIENT_PRIVATE_KEY: pem(pair.privateKey),
      ESR_CLIENT_KEY_ID: `${alg}-key-1`,
      ESR_TOKEN_URL: `${BASE}/token/v2`,
    });

    await expect(client.listVpds()).resolves.toEqual([]);

    const form = seen.form as Form;
    expect(form).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
      client_assertion: expect.any(String),
      scope: 'esr.read',
    });
    expect(seen.headers?.authorization).toBeUndefined();
    expect(decodeProtectedHeader(form.client_assertion)).toEqual({ alg, kid: `${alg}-key-1`, typ: 'JWT' });
    const { payload } = await jwtVerify(form.client_assertion, pair.publicKey, {
      algorithms: [alg],
      currentDate: clock.now(),
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
      audience: `${BASE}/token/v2`,
    });
    const now = Math.floor(clock.nowMs() / 1000);
    expect(payload).toEqual({
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      aud: `${BASE}/token/v2`,
      iat: now,
      exp: now + CLIENT_ASSERTION_LIFETIME_SECONDS,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    scope.done();
  });

  it('should give every client assertion a jti of its own', async () => {
    const auth = { method: 'private_key_jwt', key: ec.privateKey, keyId: 'k', alg: 'ES256' } as const;
    const input = { clientId: 'c', scope: '', auth, tokenUrl: `${BASE}/oauth2/token`, nowMs: Date.now() };
    const jtis = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { body } = await tokenRequestBody(input);
      const assertion = new URLSearchParams(body).get('client_assertion') as string;
      jtis.add(JSON.parse(Buffer.from(assertion.split('.')[1], 'base64url').toString()).jti);
    }
    expect(jtis.size).toBe(5);
  });

  it('should form-urlencode Basic credential parts as RFC 6749 2.3.1 asks', () => {
    expect(formEncode('a b:c%d+e')).toBe('a+b%3Ac%25d%2Be');
  });

  it('should surface a refused client assertion as the ESR auth failure', async () => {
    const scope = nock(BASE)
      .post('/oauth2/token')
      .reply(401, { error: 'invalid_client', error_description: 'the client assertion signature does not verify' });
    const { client } = makeTestClient({
      ESR_CLIENT_AUTH: 'private_key_jwt',
      ESR_CLIENT_PRIVATE_KEY: pem(rsa.privateKey),
      ESR_CLIENT_KEY_ID: 'rsa-1',
    });

    const error = await client.listVpds().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EsrRejectedError);
    expect(error).toMatchObject({ code: 'ESR_UNAVAILABLE', message: "ESR rejected the gateway's client credentials (HTTP 401)." });
    scope.done();
  });
});

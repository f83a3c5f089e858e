import { randomUUID } from 'node:crypto';
import { CryptoKey, exportJWK, generateKeyPair, JWK, SignJWT, UnsecuredJWT } from 'jose';
import { JWT_BEARER_ASSERTION_TYPE, RunningSandbox, SandboxOptions, startSandbox } from '../../src/sandbox/sandbox.server';
import { call, ContractResponse, EsrContract } from './esr-contract';
import { CLIENT_ID, CLIENT_SECRET, START, TestClock } from './sandbox-client';

const TOKEN = '/oauth2/token';

interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  alg: 'RS512' | 'ES256';
  kid: string;
}

async function signingKey(alg: 'RS512' | 'ES256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { modulusLength: 2048 });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid }, alg, kid };
}

/** Form-urlencodes one HTTP Basic credential (RFC 6749 2.3.1). */
const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;

describe('POST /oauth2/token client authentication', () => {
  const contract = new EsrContract();
  const clock = new TestClock();
  let sandbox: RunningSandbox;
  let rsa: SigningKey;
  let ec: SigningKey;

  beforeAll(async () => {
    [rsa, ec] = await Promise.all([signingKey('RS512', 'rsa-2026'), signingKey('ES256', 'ec-2026')]);
    sandbox = await startSandbox({ port: 0, now: clock.now, rateLimitPerSecond: 0, clientKeys: [rsa.publicJwk] });
    expect(sandbox.admin.registerClientKey(ec.publicJwk)).toBe('ec-2026');
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  beforeEach(() => {
    clock.ms = START;
  });

  const tokenUrl = (): string => `${sandbox.url}${TOKEN}`;
  const seconds = (): number => Math.floor(clock.ms / 1000);

  interface AssertionOptions {
    key?: SigningKey;
    /** Signs with this key while naming `key`'s kid (a bad signature). */
    signWith?: CryptoKey;
    audience?: string;
    issuer?: string;
    expiresInSeconds?: number;
    jti?: string;
  }

  async function assertion(options: AssertionOptions = {}): Promise<string> {
    const key = options.key ?? rsa;
    return new SignJWT({})
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? CLIENT_ID)
      .setSubject(CLIENT_ID)
      .setAudience(options.audience ?? tokenUrl())
      .setIssuedAt(seconds())
      .setExpirationTime(seconds() + (options.expiresInSeconds ?? 60))
      .setJti(options.jti ?? randomUUID())
      .sign(options.signWith ?? key.privateKey);
  }

  async function requestToken(
    form: Record<string, string>,
    authorization?: string,
    target: RunningSandbox = sandbox,
  ): Promise<ContractResponse> {
    const response = await call(`${target.url}${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
    });
    expect(contract.problems(TOKEN, 'post', response)).toEqual([]);
    return response;
  }

  const jwtForm = (clientAssertion: string): Record<string, string> => ({
    client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
    client_assertion: clientAssertion,
  });

  async function expectTokenThatWorks(response: ContractResponse, target: RunningSandbox = sandbox): Promise<void> {
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    const token = (response.body as { access_token: string }).access_token;
    const vpds = await call(`${target.url}/esr/v1/vpds`, { headers: { authorization: `Bearer ${token}` } });
    expect(vpds.status).toBe(200);
  }

  describe('each method', () => {
    it('should issue a token for client_secret_post', async () => {
      await expectTokenThatWorks(await requestToken({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }));
    });

    it('should issue a token for client_secret_basic, with no secret in the form', async () => {
      await expectTokenThatWorks(await requestToken({ scope: 'esr.read' }, basic(CLIENT_ID, CLIENT_SECRET)));
    });

    it('should form-urlencode the Basic id and secret before base64', async () => {
      const other = await startSandbox({ port: 0, now: clock.now, clientId: 'trust a/b', clientSecret: 'p@ss word:+%' });
      try {
        await expectTokenThatWorks(await requestToken({}, basic('trust a/b', 'p@ss word:+%'), other), other);
        const raw = `Basic ${Buffer.from('trust a/b:p@ss word:+%').toString('base64')}`;
        expect((await requestToken({}, raw, other)).status).toBe(401);
      } finally {
        await other.close();
      }
    });

    it.each([
      ['RS512', () => rsa],
      ['ES256', () => ec],
    ])('should issue a token for private_key_jwt signed %s with a registered key', async (_alg, key) => {
      await expectTokenThatWorks(await requestToken(jwtForm(await assertion({ key: key() }))));
    });

    it('should accept client_id in the form beside a matching assertion', async () => {
      await expectTokenThatWorks(await requestToken({ client_id: CLIENT_ID, ...jwtForm(await assertion()) }));
    });

    it('should take a key registered through POST /sandbox/client-keys', async () => {
      const later = await signingKey('ES256', 'registered-over-http');
      const registered = await call(`${sandbox.url}/sandbox/client-keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(later.publicJwk),
      });
      expect(registered).toMatchObject({ status: 201, body: { kid: 'registered-over-http' } });
      await expectTokenThatWorks(await requestToken(jwtForm(await assertion({ key: later }))));
    });
  });

  describe('refusals', () => {
    const refusals: [string, () => Promise<[Record<string, string>, string?]>][] = [
      ['a bad secret in the form', async () => [{ client_id: CLIENT_ID, client_secret: 'wrong' }]],
      ['a bad secret over Basic', async () => [{}, basic(CLIENT_ID, 'wrong')]],
      ['an unknown client over Basic', async () => [{}, basic('someone-else', CLIENT_SECRET)]],
      ['a bad signature', async () => [jwtForm(await assertion({ signWith: (await signingKey('RS512', 'x')).privateKey }))]],
      ['an unregistered kid', async () => [jwtForm(await assertion({ key: await signingKey('ES256', 'unknown-kid') }))]],
      ['a wrong audience', async () => [jwtForm(await assertion({ audience: 'https://esr.example.nhs.uk/oauth2/token' }))]],
      ['another issuer', async () => [jwtForm(await assertion({ issuer: 'someone-else' }))]],
      ['an expired assertion', async () => [jwtForm(await assertion({ expiresInSeconds: -1 }))]],
      ['an exp more than 5 minutes ahead', async () => [jwtForm(await assertion({ expiresInSeconds: 301 }))]],
      ['a client_id that is not the issuer', async () => [{ client_id: 'someone-else', ...jwtForm(await assertion()) }]],
      ['a garbled assertion', async () => [jwtForm('not.a.jwt')]],
      [
        'an unsigned assertion (alg none)',
        async () => {
          const unsigned = new UnsecuredJWT({ jti: randomUUID() }).setIssuer(CLIENT_ID).setSubject(CLIENT_ID).setAudience(tokenUrl());
          return [jwtForm(unsigned.setExpirationTime(seconds() + 60).encode())];
        },
      ],
      [
        'an assertion without a jti',
        async () => {
          const noJti = new SignJWT({}).setProtectedHeader({ alg: 'RS512', kid: rsa.kid }).setIssuer(CLIENT_ID).setSubject(CLIENT_ID);
          return [
            jwtForm(
              await noJti
                .setAudience(tokenUrl())
                .setExpirationTime(seconds() + 60)
                .sign(rsa.privateKey),
            ),
          ];
        },
      ],
    ];

    it.each(refusals)('should answer 401 invalid_client for %s', async (_case, make) => {
      const [form, authorization] = await make();
      const response = await requestToken(form, authorization);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_client' });
      if (authorization) expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('should answer 401 invalid_client to a reused jti, and still once the first assertion has expired', async () => {
      const jti = randomUUID();
      const first = await assertion({ jti, expiresInSeconds: 30 });
      expect((await requestToken(jwtForm(first))).status).toBe(200);
      const again = await requestToken(jwtForm(await assertion({ jti, expiresInSeconds: 30 })));
      expect(again).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      expect((again.body as { message: string }).message).toMatch(/jti/);
      expect((await requestToken(jwtForm(first))).status).toBe(401);
      clock.advance(31_000);
      expect((await requestToken(jwtForm(first))).status).toBe(401);
    });

    it('should answer 401 invalid_client to a method the client may not use', async () => {
      const options: SandboxOptions = { port: 0, now: clock.now, clientAuthMethods: ['private_key_jwt'], clientKeys: [rsa.publicJwk] };
      const strict = await startSandbox(options);
      try {
        const post = await requestToken({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }, undefined, strict);
        expect(post).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
        const viaBasic = await requestToken({}, basic(CLIENT_ID, CLIENT_SECRET), strict);
        expect(viaBasic).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
        const assertionForStrict = await assertion({ audience: `${strict.url}${TOKEN}` });
        await expectTokenThatWorks(await requestToken(jwtForm(assertionForStrict), undefined, strict), strict);
      } finally {
        await strict.close();
      }
    });

    it.each([
      ['two methods at once', async () => [{ client_secret: CLIENT_SECRET }, basic(CLIENT_ID, CLIENT_SECRET)] as const],
      ['another client_assertion_type', async () => [{ ...jwtForm(await assertion()), client_assertion_type: 'urn:other' }] as const],
      ['a client_assertion_type without an assertion', async () => [{ client_assertion_type: JWT_BEARER_ASSERTION_TYPE }] as const],
      ['a Bearer Authorization header', async () => [{}, 'Bearer abc'] as const],
    ])('should answer 400 invalid_request for %s', async (_case, make) => {
      const [form, authorization] = await make();
      const response = await requestToken(form, authorization);
      expect(response).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    });
  });
});

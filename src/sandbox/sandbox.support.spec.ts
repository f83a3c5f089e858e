import { CLIENT_AUTH_METHODS } from './sandbox.client-auth';
import { OpaqueCodec } from './sandbox.codec';
import { sandboxOptionsFromEnv, SandboxEnvError } from './sandbox.env';
import { malformedItem, parseFaults, withMalformedItems } from './sandbox.faults';
import { SlidingWindowRateLimiter } from './sandbox.rate-limiter';
import { TokenService } from './sandbox.tokens';

describe(TokenService.name, () => {
  let now = 0;
  const service = new TokenService(
    { clientId: 'client', clientSecret: 'secret', authMethods: CLIENT_AUTH_METHODS, keys: [] },
    300,
    () => now,
  );
  const form = { grant_type: 'client_credentials', client_id: 'client', client_secret: 'secret' };
  const issue = (body: unknown) => service.issue({ form: body, requestUrl: 'http://127.0.0.1:4010/oauth2/token' });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('should issue tokens that authenticate until they expire', async () => {
    const { access_token: token, expires_in: ttl } = await issue(form);
    expect(ttl).toBe(300);
    expect(service.authenticate(`Bearer ${token}`)).toBe('client');
    now += 299_999;
    expect(service.authenticate(`Bearer ${token}`)).toBe('client');
    now += 1;
    expect(() => service.authenticate(`Bearer ${token}`)).toThrow(/expired/);
  });

  it('should revoke every token at once', async () => {
    const token = (await issue(form)).access_token;
    service.revokeAll();
    expect(() => service.authenticate(`Bearer ${token}`)).toThrow(/unknown or was revoked/);
  });

  it('should tell a bad request (400) from a bad client (401)', async () => {
    const status = async (body: unknown): Promise<number | undefined> => {
      try {
        await issue(body);
        return 200;
      } catch (error) {
        return (error as { status?: number }).status;
      }
    };
    expect(await status('grant_type=client_credentials')).toBe(400);
    expect(await status({ ...form, grant_type: 'password' })).toBe(400);
    expect(await status({ ...form, client_secret: 'wrong' })).toBe(401);
    expect(await status({ ...form, client_secret: 'secre' })).toBe(401);
    expect(await status({ ...form, scope: 'esr.read' })).toBe(200);
    expect(() => service.authenticate(undefined)).toThrow(/Bearer/);
    expect(() => service.authenticate('Basic abc')).toThrow(/Bearer/);
  });
});

describe(SlidingWindowRateLimiter.name, () => {
  it('should allow the limit per second per key, then say how long to wait', () => {
    let now = 0;
    const limiter = new SlidingWindowRateLimiter(3, 1_000, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBe(0);
    now = 999;
    expect(limiter.take('a')).toBe(1);
    now = 1_000;
    expect(limiter.take('a')).toBe(0);
    limiter.setLimit(0);
    expect(Array.from({ length: 100 }, () => limiter.take('a')).every((wait) => wait === 0)).toBe(true);
    expect(() => limiter.setLimit(-1)).toThrow(RangeError);
  });
});

describe(OpaqueCodec.name, () => {
  it('should round-trip cursors and watermarks and refuse anything else', () => {
    const codec = new OpaqueCodec();
    const listing = { kind: 'listing', vpd: '979', roleName: 'R', employeeNumber: null, seq: 3, at: 1_000, position: 20 } as const;
    const changes = { kind: 'changes', vpd: '979', roleName: 'R', since: 'w', upTo: 9, at: 5, after: 4 } as const;
    expect(codec.decodeCursor(codec.encodeCursor(listing))).toEqual(listing);
    expect(codec.decodeCursor(codec.encodeCursor(changes))).toEqual(changes);
    const watermark = codec.encodeWatermark({ seq: 7, issuedAt: 123 });
    expect(codec.decodeWatermark(watermark)).toEqual({ seq: 7, issuedAt: 123 });
    expect(codec.decodeCursor(watermark)).toBeUndefined();
    expect(codec.decodeWatermark(`${watermark}x`)).toBeUndefined();
    expect(new OpaqueCodec().decodeWatermark(watermark)).toBeUndefined();
    expect(codec.decodeWatermark('')).toBeUndefined();
  });
});

describe(parseFaults.name, () => {
  it('should turn a fault set into the faults in force, omitted ones off', () => {
    expect(parseFaults({ latencyMs: 10, maintenance: { retryAfterSeconds: 30 }, expireTokens: true })).toEqual({
      faults: { latencyMs: 10, errorRate: 0, maintenance: { retryAfterSeconds: 30 }, hang: false, malformedItems: false, throttle: null },
      expireTokens: true,
    });
    for (const bad of [{ latencyMs: 1.5 }, { errorRate: -0.1 }, { throttle: { retryAfterSeconds: 1, extra: 1 } }, { nope: 1 }, 'x'])
      expect(() => parseFaults(bad)).toThrow();
  });

  it('should make malformed items of every kind, after the first item and every tenth', () => {
    const item = { assignmentId: 'a', employeeNumber: '30581377', effectiveStartDate: '2026-01-01', person: { systemPersonType: 'EMP' } };
    const variants = [0, 1, 2, 3, 4].map((n) => malformedItem(item, n));
    expect(variants[0]).not.toHaveProperty('assignmentId');
    expect(variants[1]).toMatchObject({ employeeNumber: 30581377 });
    expect(variants[2]).toMatchObject({ effectiveStartDate: '31/12/2025' });
    expect(variants[3]).toMatchObject({ person: { systemPersonType: 'CONTRACTOR' } });
    expect(typeof variants[4]).toBe('string');
    let n = 0;
    expect(
      withMalformedItems(
        Array.from({ length: 21 }, () => item),
        () => n++,
      ),
    ).toHaveLength(24);
  });
});

describe(sandboxOptionsFromEnv.name, () => {
  it('should read the SANDBOX_ variables with defaults', () => {
    expect(sandboxOptionsFromEnv({})).toEqual({ port: 4010, logger: true });
    expect(
      sandboxOptionsFromEnv({
        SANDBOX_PORT: '0',
        SANDBOX_HOST: '0.0.0.0',
        SANDBOX_SEED: '42',
        SANDBOX_VPD_COUNT: '200',
        SANDBOX_ROLE_ASSIGNMENTS: '1000000',
        SANDBOX_CLIENT_ID: 'id',
        SANDBOX_CLIENT_SECRET: 'secret',
        SANDBOX_LOG: 'false',
      }),
    ).toEqual({
      port: 0,
      host: '0.0.0.0',
      seed: 42,
      vpdCount: 200,
      roleAssignments: 1_000_000,
      clientId: 'id',
      clientSecret: 'secret',
      logger: false,
    });
  });

  it('should name every bad variable', () => {
    try {
      sandboxOptionsFromEnv({ SANDBOX_PORT: '70000', SANDBOX_VPD_COUNT: 'many', SANDBOX_CLIENT_SECRET: '', SANDBOX_LOG: 'maybe' });
      throw new Error('expected a SandboxEnvError');
    } catch (error) {
      expect(error).toBeInstanceOf(SandboxEnvError);
      const message = (error as Error).message;
      for (const name of ['SANDBOX_PORT', 'SANDBOX_VPD_COUNT', 'SANDBOX_CLIENT_SECRET', 'SANDBOX_LOG']) expect(message).toContain(name);
    }
  });
});

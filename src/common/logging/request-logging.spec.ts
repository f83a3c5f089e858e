import Fastify from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACT_PATHS } from './logging.module';
import { isQuiet, registerRequestLogging } from './request-logging';

describe(registerRequestLogging.name, () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const root = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  const requestLog = pino({ level: 'debug' }, sink);
  const context = new PinoLogger({ useExisting: true, pinoHttp: { logger: root } });
  const policy = { successShare: 1 };
  let ids = 0;
  const app = Fastify({ genReqId: () => `req-${++ids}` });

  beforeAll(async () => {
    registerRequestLogging(app, requestLog, context, policy);
    app.get('/v1/users/:id/esr-access', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      context.debug({ person: { lastName: 'Mistry' } }, 'inside the handler');
      return { ok: true };
    });
    app.get('/health/live', async () => ({ status: 'ok' }));
    app.get('/metrics', async () => 'm 1');
    await app.ready();
  });

  afterAll(() => app.close());
  beforeEach(() => {
    lines.splice(0);
    policy.successShare = 1;
  });
  afterEach(() => jest.restoreAllMocks());

  it('should write one line per request with the request id, masked URL and status, and no headers', async () => {
    await app.inject({
      method: 'GET',
      url: '/v1/users/hiran.mistry@nhs.net/esr-access?x=1',
      headers: { authorization: 'Bearer secret-key-123', 'x-acting-user': 'lsa@nhs.net', 'user-agent': 'portal/1' },
    });
    const done = lines.find((l) => l.msg === 'request completed');
    expect(done).toMatchObject({
      level: 30,
      requestId: 'req-1',
      clientAddress: '127.0.0.1',
      req: { id: 'req-1', method: 'GET', url: '/v1/users/:portalUserId/esr-access', userAgent: 'portal/1' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number) as unknown,
    });
    const text = JSON.stringify(lines);
    for (const secret of ['secret-key-123', 'lsa@nhs.net', 'hiran.mistry', 'Mistry']) expect(text).not.toContain(secret);
  });

  it('should give log lines written while the request is served its request id, across awaits', async () => {
    await app.inject({ method: 'GET', url: '/v1/users/u1/esr-access', headers: { 'x-request-id': 'ignored-here' } });
    expect(lines.find((l) => l.msg === 'inside the handler')).toMatchObject({
      level: 20,
      requestId: expect.stringMatching(/^req-/) as unknown,
      person: { lastName: '[redacted]' },
    });
  });

  it('should log 4xx at warn and 5xx at error', async () => {
    await app.inject({ method: 'GET', url: '/v1/nowhere' });
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ level: 40, res: { statusCode: 404 } });
  });

  it('should log only errors with REQUEST_LOG=errors', async () => {
    policy.successShare = 0;
    await app.inject({ method: 'GET', url: '/v1/users/u1/esr-access' });
    await app.inject({ method: 'GET', url: '/v1/nowhere' });
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => (l.res as { statusCode: number }).statusCode)).toEqual([404]);
  });

  it('should log the given share of successful requests and every error with a sampling rate', async () => {
    policy.successShare = 0.25;
    const draws = [0.1, 0.3, 0.9];
    jest.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0.99);
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/v1/users/u1/esr-access' });
    await app.inject({ method: 'GET', url: '/v1/nowhere' });
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => (l.res as { statusCode: number }).statusCode)).toEqual([200, 404]);
  });

  it('should not log probes and scrapes', async () => {
    await app.inject({ method: 'GET', url: '/health/live' });
    await app.inject({ method: 'GET', url: '/metrics' });
    expect(lines).toEqual([]);
    expect([isQuiet('/health/ready'), isQuiet('/metrics?x'), isQuiet('/metricsx'), isQuiet('/v1/health/x')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

import { Logger } from '@nestjs/common';
import net from 'node:net';
import nock from 'nock';
import {
  TEST_ESR_BASE_URL as BASE,
  makeTestClient,
  metricValue,
  wireAssignment,
  wirePerson,
  wirePersonSummary,
} from '../../test/esr/esr.fixtures';
import { ValidationFailedError } from '../common/errors/domain-error';
import { EsrClient } from './esr.client';
import { EsrNotFoundError, EsrRejectedError, EsrTimeoutError, EsrUnavailableError, EsrWatermarkExpiredError } from './esr.errors';
import type { EsrPage } from './esr.types';

const ROLE_PATH = '/esr/v1/vpds/979/supplementary-role-assignments';
const CHANGES_PATH = '/esr/v1/vpds/979/supplementary-role-assignments/changes';
const PERSON_PATH = '/esr/v1/vpds/979/people/30581377';

type Form = Record<string, string>;

function tokenEndpoint(opts: { token?: string; expiresIn?: number; times?: number } = {}): nock.Scope {
  return nock(BASE)
    .post('/oauth2/token', (body: Form) => body.grant_type === 'client_credentials')
    .times(opts.times ?? 1)
    .reply(200, { access_token: opts.token ?? 't1', token_type: 'Bearer', expires_in: opts.expiresIn ?? 300 });
}

function page(items: unknown[], nextCursor: string | null = null, watermark = 'wm-1'): Record<string, unknown> {
  return { items, nextCursor, watermark };
}

async function collect<T>(pages: AsyncIterable<EsrPage<T>>): Promise<EsrPage<T>[]> {
  const out: EsrPage<T>[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(EsrClient.name, () => {
  let logged: string[];

  beforeAll(() => nock.disableNetConnect());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
  beforeEach(() => {
    logged = [];
    for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      });
    }
  });
  afterEach(() => {
    jest.restoreAllMocks();
    nock.abortPendingRequests();
    nock.cleanAll();
    nock.disableNetConnect();
  });

  describe('tokens', () => {
    it('should fetch a client-credentials token with the configured credentials and send it as a bearer token', async () => {
      const { client } = makeTestClient({ ESR_CLIENT_ID: 'gw-client', ESR_CLIENT_SECRET: 'gw-secret-value', ESR_SCOPE: 'esr.read' });
      let form: Form | undefined;
      const token = nock(BASE)
        .post('/oauth2/token', (body: Form) => {
          form = body;
          return true;
        })
        .matchHeader('content-type', /application\/x-www-form-urlencoded/)
        .reply(200, { access_token: 'abc123', token_type: 'Bearer', expires_in: 300 });
      const api = nock(BASE).get('/esr/v1/vpds').matchHeader('authorization', 'Bearer abc123').reply(200, { items: [] });

      await expect(client.listVpds()).resolves.toEqual([]);

      expect(form).toEqual({
        grant_type: 'client_credentials',
        client_id: 'gw-client',
        client_secret: 'gw-secret-value',
        scope: 'esr.read',
      });
      expect(token.isDone()).toBe(true);
      expect(api.isDone()).toBe(true);
      expect(logged.join('\n')).not.toMatch(/gw-secret-value|abc123/);
    });

    it('should reuse the token for later calls', async () => {
      const { client, metrics } = makeTestClient();
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds').times(3).matchHeader('authorization', 'Bearer t1').reply(200, { items: [] });

      for (let i = 0; i < 3; i++) await client.listVpds();

      expect(nock.isDone()).toBe(true);
      await expect(metricValue(metrics, 'esr_gateway_esr_token_fetches_total', { result: 'success' })).resolves.toBe(1);
    });

    it('should fetch exactly one token for 100 concurrent calls', async () => {
      const { client, metrics } = makeTestClient();
      let tokenRequests = 0;
      nock(BASE)
        .post('/oauth2/token')
        .times(100)
        .reply(() => {
          tokenRequests++;
          return [200, { access_token: 't1', token_type: 'Bearer', expires_in: 300 }];
        });
      nock(BASE).get('/esr/v1/vpds').times(100).matchHeader('authorization', 'Bearer t1').reply(200, { items: [] });

      const results = await Promise.all(Array.from({ length: 100 }, () => client.listVpds()));

      expect(results).toHaveLength(100);
      expect(tokenRequests).toBe(1);
      await expect(metricValue(metrics, 'esr_gateway_esr_token_fetches_total')).resolves.toBe(1);
    }, 20_000);

    it('should fetch a new token shortly before the old one expires', async () => {
      const { client, clock } = makeTestClient();
      tokenEndpoint({ token: 't1', expiresIn: 300 });
      nock(BASE).get('/esr/v1/vpds').times(2).matchHeader('authorization', 'Bearer t1').reply(200, { items: [] });
      await client.listVpds();

      clock.advance(269_000); // 300 s lifetime, renewed 30 s early
      await client.listVpds();
      expect(nock.isDone()).toBe(true);

      clock.advance(2_000);
      tokenEndpoint({ token: 't2', expiresIn: 300 });
      const renewed = nock(BASE).get('/esr/v1/vpds').matchHeader('authorization', 'Bearer t2').reply(200, { items: [] });
      await client.listVpds();
      expect(renewed.isDone()).toBe(true);
    });

    it('should on a 401 fetch one fresh token and retry the call once', async () => {
      const { client, metrics } = makeTestClient();
      tokenEndpoint({ token: 'old' });
      nock(BASE).get('/esr/v1/vpds').matchHeader('authorization', 'Bearer old').reply(200, { items: [] });
      await client.listVpds();

      nock(BASE).get('/esr/v1/vpds').matchHeader('authorization', 'Bearer old').reply(401, { error: 'invalid_token', message: 'expired' });
      tokenEndpoint({ token: 'new' });
      nock(BASE)
        .get('/esr/v1/vpds')
        .matchHeader('authorization', 'Bearer new')
        .reply(200, { items: [{ vpd: '979', organisationName: 'Trust', active: true }] });

      await expect(client.listVpds()).resolves.toEqual([{ vpd: '979', organisationName: 'Trust', active: true }]);
      expect(nock.isDone()).toBe(true);
      await expect(metricValue(metrics, 'esr_gateway_esr_token_fetches_total')).resolves.toBe(2);
    });

    it('should fail with EsrRejectedError when ESR answers 401 again with the fresh token', async () => {
      const { client } = makeTestClient();
      tokenEndpoint({ token: 'a' });
      tokenEndpoint({ token: 'b' });
      nock(BASE).get('/esr/v1/vpds').times(2).reply(401, { error: 'invalid_token', message: 'no' });
      const unexpected = nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });

      const error = await client.listVpds().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EsrRejectedError);
      expect(error).toMatchObject({ code: 'ESR_UNAVAILABLE', status: 503, esrStatus: 401, esrErrorCode: 'invalid_token' });
      expect(unexpected.isDone()).toBe(false);
    });

    it('should fail with EsrRejectedError and not retry when ESR refuses the client credentials', async () => {
      const { client, metrics } = makeTestClient({ ESR_CLIENT_SECRET: 'wrong-secret-123' });
      nock(BASE).post('/oauth2/token').reply(401, { error: 'invalid_client', message: 'bad client' });
      const retried = nock(BASE).post('/oauth2/token').reply(200, { access_token: 'x', token_type: 'Bearer', expires_in: 300 });

      await expect(client.listVpds()).rejects.toThrow(/client credentials/);
      expect(retried.isDone()).toBe(false);
      await expect(metricValue(metrics, 'esr_gateway_esr_token_fetches_total', { result: 'failure' })).resolves.toBe(1);
      expect(logged.join('\n')).not.toContain('wrong-secret-123');
    });

    it('should treat a token answer that breaks the contract as an ESR error', async () => {
      const { client } = makeTestClient({ ESR_MAX_ATTEMPTS: '1' });
      nock(BASE).post('/oauth2/token').reply(200, { access_token: 'x', token_type: 'MAC', expires_in: 300 });

      await expect(client.listVpds()).rejects.toBeInstanceOf(EsrUnavailableError);
    });
  });

  describe('retries', () => {
    it('should retry 5xx answers and return the eventual success', async () => {
      const { client, metrics } = makeTestClient({ ESR_MAX_ATTEMPTS: '3' });
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds').reply(500, { error: 'internal', message: 'x' });
      nock(BASE).get('/esr/v1/vpds').reply(502, 'Bad gateway');
      nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });

      await expect(client.listVpds()).resolves.toEqual([]);
      expect(nock.isDone()).toBe(true);
      await expect(
        metricValue(metrics, 'esr_gateway_esr_retries_total', { endpoint: 'GET /esr/v1/vpds', reason: 'server_error' }),
      ).resolves.toBe(2);
    });

    it('should retry network errors', async () => {
      const { client, metrics } = makeTestClient({ ESR_MAX_ATTEMPTS: '2' });
      tokenEndpoint();
      nock(BASE)
        .get('/esr/v1/vpds')
        .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });

      await expect(client.listVpds()).resolves.toEqual([]);
      await expect(metricValue(metrics, 'esr_gateway_esr_retries_total', { reason: 'network' })).resolves.toBe(1);
      await expect(metricValue(metrics, 'esr_gateway_esr_requests_total', { status: 'network_error' })).resolves.toBe(1);
    });

    it('should give up after the configured number of attempts with EsrUnavailableError', async () => {
      const { client } = makeTestClient({ ESR_MAX_ATTEMPTS: '3' });
      tokenEndpoint();
      const failing = nock(BASE).get('/esr/v1/vpds').times(3).reply(500, { error: 'internal', message: 'x' });
      const fourth = nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });

      const error = await client.listVpds().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EsrUnavailableError);
      expect(error).toMatchObject({ code: 'ESR_UNAVAILABLE', status: 503 });
      expect((error as EsrUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(failing.isDone()).toBe(true);
      expect(fourth.isDone()).toBe(false);
    });

    it.each([400, 403, 422])('should not retry a %i answer and fail with EsrRejectedError', async (status) => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE).get(PERSON_PATH).reply(status, { error: 'bad_request', message: 'Person Alexandra Fairweather QQ123456C' });
      const second = nock(BASE).get(PERSON_PATH).reply(200, wirePerson());

      const error = await client.getPerson('979', '30581377').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EsrRejectedError);
      expect(error).toMatchObject({ code: 'ESR_UNAVAILABLE', esrStatus: status, esrErrorCode: 'bad_request' });
      expect((error as Error).message).toMatch(/ESR rejected the gateway's request/);
      expect(JSON.stringify(error) + (error as Error).message).not.toMatch(/Alexandra|Fairweather|QQ123456C/);
      expect(second.isDone()).toBe(false);
    });

    it('should not retry a 404 and fail with EsrNotFoundError', async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE).get(PERSON_PATH).reply(404, { error: 'not_found', message: 'no such person' });
      const second = nock(BASE).get(PERSON_PATH).reply(200, wirePerson());

      const error = await client.getPerson('979', '30581377').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EsrNotFoundError);
      expect(error).toMatchObject({ code: 'NOT_FOUND', status: 404 });
      expect((error as Error).message).toContain('30581377');
      expect(second.isDone()).toBe(false);
    });

    it('should wait for Retry-After on a 429 before retrying', async () => {
      const { client, metrics } = makeTestClient();
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds').reply(429, { error: 'rate_limited', message: 'slow down' }, { 'Retry-After': '1' });
      nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });

      const started = Date.now();
      await expect(client.listVpds()).resolves.toEqual([]);

      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      await expect(metricValue(metrics, 'esr_gateway_esr_retries_total', { reason: 'throttled' })).resolves.toBe(1);
    });

    it('should wait for Retry-After on a 503 before retrying', async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds').reply(503, { error: 'maintenance', message: 'down' }, { 'Retry-After': '1' });
      nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });

      const started = Date.now();
      await expect(client.listVpds()).resolves.toEqual([]);

      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it('should read a Retry-After given as an HTTP date', async () => {
      const { client, clock } = makeTestClient();
      tokenEndpoint();
      const at = new Date(clock.nowMs() + 1000).toUTCString();
      nock(BASE).get('/esr/v1/vpds').reply(503, { error: 'maintenance', message: 'down' }, { 'Retry-After': at });
      nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });

      const started = Date.now();
      await expect(client.listVpds()).resolves.toEqual([]);

      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });

    it('should cap a long Retry-After at the configured maximum', async () => {
      const { client } = makeTestClient({ ESR_RETRY_AFTER_CAP: 'PT0.2S' });
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds').reply(429, { error: 'rate_limited', message: 'slow down' }, { 'Retry-After': '3600' });
      nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });

      const started = Date.now();
      await expect(client.listVpds()).resolves.toEqual([]);

      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(200);
      expect(elapsed).toBeLessThan(3000);
    });

    it("should tell the caller ESR's Retry-After when throttling outlasts the attempts", async () => {
      const { client } = makeTestClient({ ESR_MAX_ATTEMPTS: '1' });
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds').reply(503, { error: 'maintenance', message: 'down' }, { 'Retry-After': '120' });

      const error = await client.listVpds().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EsrUnavailableError);
      expect((error as EsrUnavailableError).retryAfterSeconds).toBe(120);
      expect((error as EsrUnavailableError).options.retryAfterSeconds).toBe(120);
    });

    it('should back off exponentially between retries without Retry-After', async () => {
      const { client } = makeTestClient({ ESR_MAX_ATTEMPTS: '4', ESR_RETRY_BASE_DELAY: 'PT0.05S', ESR_RETRY_MAX_DELAY: 'PT0.2S' });
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds').times(4).reply(500, { error: 'internal', message: 'x' });

      await expect(client.listVpds()).rejects.toBeInstanceOf(EsrUnavailableError);

      const delays = logged.flatMap((line) => {
        const m = /retry \d+ in (\d+) ms/.exec(line);
        return m ? [Number(m[1])] : [];
      });
      expect(delays).toHaveLength(3);
      // Full jitter: each delay is random in [0, min(max, base * 2^n)).
      expect(delays[0]).toBeLessThan(50);
      expect(delays[1]).toBeLessThan(100);
      expect(delays[2]).toBeLessThan(200);
    });
  });

  describe('circuit breaker', () => {
    const breakerEnv = { ESR_MAX_ATTEMPTS: '1', ESR_BREAKER_THRESHOLD: '3', ESR_BREAKER_HALF_OPEN_AFTER: 'PT0.3S' };

    async function tripBreaker(client: EsrClient): Promise<void> {
      nock(BASE).get('/esr/v1/vpds').times(3).reply(500, { error: 'internal', message: 'x' });
      for (let i = 0; i < 3; i++) await expect(client.listVpds()).rejects.toBeInstanceOf(EsrUnavailableError);
    }

    it('should open after the configured number of consecutive failures and fail fast without calling ESR', async () => {
      const { client, metrics } = makeTestClient(breakerEnv);
      tokenEndpoint();
      await tripBreaker(client);
      expect(client.breakerState()).toBe('open');
      await expect(metricValue(metrics, 'esr_gateway_esr_circuit_breaker_state')).resolves.toBe(2);

      const untouched = nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });
      const started = Date.now();
      const error = await client.listVpds().catch((e: unknown) => e);

      expect(Date.now() - started).toBeLessThan(100);
      expect(error).toBeInstanceOf(EsrUnavailableError);
      expect((error as EsrUnavailableError).retryAfterSeconds).toBe(1);
      expect(untouched.isDone()).toBe(false);
      await expect(metricValue(metrics, 'esr_gateway_esr_short_circuited_total')).resolves.toBe(1);
    });

    it('should let one half-open probe through and close again when it succeeds', async () => {
      const { client, metrics } = makeTestClient(breakerEnv);
      tokenEndpoint();
      await tripBreaker(client);
      await sleep(350);

      let probes = 0;
      nock(BASE)
        .get('/esr/v1/vpds')
        .reply(async () => {
          probes++;
          await sleep(100);
          return [200, { items: [] }];
        });
      const probe = client.listVpds();
      await sleep(20);
      expect(client.breakerState()).toBe('half-open');
      await expect(metricValue(metrics, 'esr_gateway_esr_circuit_breaker_state')).resolves.toBe(1);
      await expect(client.listVpds()).rejects.toBeInstanceOf(EsrUnavailableError); // not a second probe
      await expect(probe).resolves.toEqual([]);

      expect(probes).toBe(1);
      expect(client.breakerState()).toBe('closed');
      await expect(metricValue(metrics, 'esr_gateway_esr_circuit_breaker_state')).resolves.toBe(0);
      nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });
      await expect(client.listVpds()).resolves.toEqual([]);
    });

    it('should open again when the half-open probe fails', async () => {
      const { client } = makeTestClient(breakerEnv);
      tokenEndpoint();
      await tripBreaker(client);
      await sleep(350);
      nock(BASE).get('/esr/v1/vpds').reply(503, { error: 'maintenance', message: 'down' });

      await expect(client.listVpds()).rejects.toBeInstanceOf(EsrUnavailableError);

      expect(client.breakerState()).toBe('open');
    });

    it('should not count answers such as 404 or 429 as ESR failures', async () => {
      const { client } = makeTestClient(breakerEnv);
      tokenEndpoint();
      nock(BASE).get(PERSON_PATH).times(3).reply(404, { error: 'not_found', message: 'x' });
      nock(BASE).get('/esr/v1/vpds').times(3).reply(429, { error: 'rate_limited', message: 'x' }, { 'Retry-After': '0' });
      for (let i = 0; i < 3; i++) {
        await expect(client.getPerson('979', '30581377')).rejects.toBeInstanceOf(EsrNotFoundError);
        await expect(client.listVpds()).rejects.toBeInstanceOf(EsrUnavailableError);
      }

      expect(client.breakerState()).toBe('closed');
    });
  });

  describe('timeouts', () => {
    it('should cut off an ESR that does not answer with EsrTimeoutError within the request timeout', async () => {
      const { client, metrics } = makeTestClient({ ESR_REQUEST_TIMEOUT: 'PT0.2S', ESR_MAX_ATTEMPTS: '1' });
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds').delay(10_000).reply(200, { items: [] });

      const started = Date.now();
      const error = await client.listVpds().catch((e: unknown) => e);

      expect(Date.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(EsrTimeoutError);
      expect(error).toMatchObject({ code: 'ESR_TIMEOUT', status: 504 });
      await expect(
        metricValue(metrics, 'esr_gateway_esr_requests_total', { endpoint: 'GET /esr/v1/vpds', status: 'timeout' }),
      ).resolves.toBe(1);
    });

    it('should retry a timed-out request within the attempt limit', async () => {
      const { client } = makeTestClient({ ESR_REQUEST_TIMEOUT: 'PT0.2S', ESR_MAX_ATTEMPTS: '2' });
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds').delay(10_000).reply(200, { items: [] });
      nock(BASE)
        .get('/esr/v1/vpds')
        .reply(200, { items: [{ vpd: '979', organisationName: 'Trust', active: true }] });

      await expect(client.listVpds()).resolves.toHaveLength(1);
    });

    it('should cut off a real server that accepts the connection and never answers', async () => {
      const sockets: net.Socket[] = [];
      const server = net.createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      nock.enableNetConnect('127.0.0.1');
      try {
        const { client } = makeTestClient({ ESR_REQUEST_TIMEOUT: 'PT0.3S', ESR_MAX_ATTEMPTS: '1' }, `http://127.0.0.1:${port}`);
        const started = Date.now();

        await expect(client.listVpds()).rejects.toBeInstanceOf(EsrTimeoutError);

        expect(Date.now() - started).toBeLessThan(1500);
        client.onApplicationShutdown();
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });

  describe('rate and concurrency limits', () => {
    it('should start requests at once while the limit allows, and at most the configured number in any second', async () => {
      const { client } = makeTestClient({ ESR_RATE_LIMIT_PER_SECOND: '5' });
      const starts: number[] = [];
      const record = () => starts.push(performance.now());
      nock(BASE)
        .post('/oauth2/token')
        .reply(() => {
          record();
          return [200, { access_token: 't1', token_type: 'Bearer', expires_in: 300 }];
        });
      nock(BASE)
        .get('/esr/v1/vpds')
        .times(11)
        .reply(() => {
          record();
          return [200, { items: [] }];
        });

      const started = performance.now();
      await Promise.all(Array.from({ length: 11 }, () => client.listVpds({ lane: 'interactive' })));

      expect(starts).toHaveLength(12);
      starts.sort((a, b) => a - b);
      expect(starts[4] - started).toBeLessThan(250); // token + 4 calls: no pacing between them
      expect(performance.now() - started).toBeGreaterThanOrEqual(1990);
      // A place frees one second after the answer; allow for event-loop jitter between start and arrival.
      for (let i = 5; i < starts.length; i++) expect(starts[i] - starts[i - 5]).toBeGreaterThanOrEqual(990);
    }, 10_000);

    it('should run at most the configured number of ESR calls at once, fewer for the sync', async () => {
      const { client } = makeTestClient({ ESR_MAX_CONCURRENCY: '3', ESR_INTERACTIVE_RESERVE: '20' });
      tokenEndpoint();
      let inFlight = 0;
      let maxInFlight = 0;
      nock(BASE)
        .get('/esr/v1/vpds')
        .times(18)
        .reply(async () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(150);
          inFlight--;
          return [200, { items: [] }];
        });

      await Promise.all(Array.from({ length: 9 }, () => client.listVpds({ lane: 'interactive' })));
      expect(maxInFlight).toBe(3);

      maxInFlight = 0;
      await Promise.all(Array.from({ length: 9 }, () => client.listVpds()));
      expect(maxInFlight).toBe(2); // one place of three is kept for interactive calls
    });
  });

  describe('listRoleAssignments', () => {
    it("should list the configured role's assignments as gateway types with watermark and extract date", async () => {
      const { client } = makeTestClient({ ESR_ROLE_NAME: 'Digital Passport Administrator', ESR_PAGE_SIZE: '250' });
      tokenEndpoint();
      nock(BASE)
        .get(ROLE_PATH)
        .query({ roleName: 'Digital Passport Administrator', limit: '250' })
        .reply(200, page([wireAssignment('a1'), wireAssignment('a2', { effectiveEndDate: '2026-12-31' })]), {
          'X-ESR-Extract-Date': '2026-11-25T02:00:00+00:00',
        });

      const pages = await collect(client.listRoleAssignments('979'));

      expect(pages).toEqual([
        {
          items: [
            {
              assignmentId: 'a1',
              vpd: '979',
              employeeNumber: '30581377',
              roleName: 'Digital Passport Administrator',
              roleCategory: 'NHS Supplementary Role',
              effectiveStartDate: '2026-11-01',
              effectiveEndDate: null,
              createdAt: '2026-11-01T09:15:00Z',
              lastUpdatedAt: '2026-11-02T10:00:00+00:00',
              personActive: true,
              systemPersonType: 'EMP',
              displayName: null,
            },
            expect.objectContaining({ assignmentId: 'a2', effectiveEndDate: '2026-12-31' }),
          ],
          watermark: 'wm-1',
          extractDate: '2026-11-25T02:00:00+00:00',
          skipped: 0,
        },
      ]);
    });

    it("should ask for one person's assignments with the given page size", async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      const scope = nock(BASE)
        .get(ROLE_PATH)
        .query({ roleName: 'Digital Passport Administrator', employeeNumber: '30581377', limit: '10' })
        .reply(200, page([wireAssignment('a1')]));

      const pages = await collect(client.listRoleAssignments('979', { employeeNumber: '30581377', pageSize: 10 }));

      expect(scope.isDone()).toBe(true);
      expect(pages[0].extractDate).toBeNull();
    });

    it('should follow nextCursor lazily, one page per iteration step', async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get(ROLE_PATH)
        .query((q) => q.cursor === undefined)
        .reply(200, page([wireAssignment('a1')], 'c2'));
      const second = nock(BASE)
        .get(ROLE_PATH)
        .query((q) => q.cursor === 'c2')
        .reply(200, page([wireAssignment('a2')], 'c3'));
      const third = nock(BASE)
        .get(ROLE_PATH)
        .query((q) => q.cursor === 'c3')
        .reply(200, page([wireAssignment('a3')], null));

      const iterator = client.listRoleAssignments('979')[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done).toBe(false);
      expect((first.value as EsrPage<{ assignmentId: string }>).items.map((a) => a.assignmentId)).toEqual(['a1']);
      await sleep(50);
      expect(second.isDone()).toBe(false);

      const next = await iterator.next();
      expect((next.value as EsrPage<{ assignmentId: string }>).items.map((a) => a.assignmentId)).toEqual(['a2']);
      expect(second.isDone()).toBe(true);
      expect(third.isDone()).toBe(false);

      await expect(iterator.next()).resolves.toMatchObject({ done: false });
      await expect(iterator.next()).resolves.toMatchObject({ done: true });
      expect(third.isDone()).toBe(true);
    });

    it('should stop fetching when the caller stops iterating', async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get(ROLE_PATH)
        .query(true)
        .reply(200, page([wireAssignment('a1')], 'c2'));
      const second = nock(BASE).get(ROLE_PATH).query(true).reply(200, page([], null));

      for await (const p of client.listRoleAssignments('979')) {
        expect(p.items).toHaveLength(1);
        break;
      }
      await sleep(50);

      expect(second.isDone()).toBe(false);
    });

    it('should skip items that break the contract, count and log them without personal data, and return the rest', async () => {
      const { client, metrics } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get(ROLE_PATH)
        .query(true)
        .reply(
          200,
          page([
            wireAssignment('good-1'),
            wireAssignment('bad-1', { effectiveStartDate: '25/11/2026' }),
            wireAssignment('bad-2', { employeeNumber: 'Jane Smith 1980-01-02' }),
            wireAssignment('bad-3', { person: { active: 'yes', systemPersonType: 'EMP' } }),
            wireAssignment('bad-4', { vpd: '123' }),
            'not an object',
            null,
            wireAssignment('good-2', { createdAt: '2026-03-29T01:30:00+01:00' }),
          ]),
        );

      const [only] = await collect(client.listRoleAssignments('979'));

      expect(only.items.map((a) => a.assignmentId)).toEqual(['good-1', 'good-2']);
      expect(only.skipped).toBe(6);
      await expect(
        metricValue(metrics, 'esr_gateway_esr_skipped_items_total', { endpoint: 'GET /esr/v1/vpds/{vpd}/supplementary-role-assignments' }),
      ).resolves.toBe(6);
      const log = logged.join('\n');
      expect(log).toMatch(/VPD 979: skipped 6 item\(s\)/);
      expect(log).toMatch(/effectiveStartDate: expected a date/);
      expect(log).not.toMatch(/Jane|Smith|1980-01-02|25\/11\/2026|bad-\d/);
    });

    it.each([
      ['a body that is not JSON', '<html>Service Unavailable</html>'],
      ['a body without items', { nextCursor: null, watermark: 'w' }],
      ['a body without a watermark', { items: [], nextCursor: null }],
      ['a body with a non-array items', { items: {}, nextCursor: null, watermark: 'w' }],
    ])('should treat %s as an ESR error and retry it', async (_label, body) => {
      const { client, metrics } = makeTestClient({ ESR_MAX_ATTEMPTS: '2' });
      tokenEndpoint();
      nock(BASE).get(ROLE_PATH).query(true).times(2).reply(200, body);

      await expect(collect(client.listRoleAssignments('979'))).rejects.toBeInstanceOf(EsrUnavailableError);

      expect(nock.isDone()).toBe(true);
      await expect(metricValue(metrics, 'esr_gateway_esr_retries_total', { reason: 'invalid_response' })).resolves.toBe(1);
    });

    it('should refuse a malformed VPD, employee number or page size without calling ESR', () => {
      const { client } = makeTestClient();

      expect(() => client.listRoleAssignments('97')).toThrow(ValidationFailedError);
      expect(() => client.listRoleAssignments('979', { employeeNumber: '123' })).toThrow(ValidationFailedError);
      expect(() => client.listRoleAssignments('979', { pageSize: 5000 })).toThrow(ValidationFailedError);
      expect(() => client.listRoleAssignments('../x')).toThrow(ValidationFailedError);
    });

    it('should fail with EsrNotFoundError for a VPD ESR does not know', async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock('http://esr.test')
        .get('/esr/v1/vpds/555/supplementary-role-assignments')
        .query(true)
        .reply(404, { error: 'not_found', message: 'x' });

      await expect(collect(client.listRoleAssignments('555'))).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: 'ESR does not know VPD 555.',
      });
    });
  });

  describe('listRoleChanges', () => {
    it('should list upserts and deletes since the watermark', async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get(CHANGES_PATH)
        .query({ roleName: 'Digital Passport Administrator', since: 'wm-1', limit: '500' })
        .reply(
          200,
          page(
            [
              {
                op: 'upsert',
                assignmentId: 'a1',
                changedAt: '2026-11-25T09:00:00Z',
                assignment: wireAssignment('a1', { effectiveEndDate: '2026-11-25' }),
              },
              { op: 'delete', assignmentId: 'a2', changedAt: '2026-11-25T09:05:00Z' },
            ],
            null,
            'wm-2',
          ),
          { 'X-ESR-Extract-Date': '2026-11-25T02:00:00Z' },
        );

      const [only] = await collect(client.listRoleChanges('979', 'wm-1'));

      expect(only).toEqual({
        items: [
          {
            op: 'upsert',
            assignmentId: 'a1',
            changedAt: '2026-11-25T09:00:00Z',
            assignment: expect.objectContaining({ assignmentId: 'a1', effectiveEndDate: '2026-11-25' }),
          },
          { op: 'delete', assignmentId: 'a2', changedAt: '2026-11-25T09:05:00Z' },
        ],
        watermark: 'wm-2',
        extractDate: '2026-11-25T02:00:00Z',
        skipped: 0,
      });
    });

    it('should skip changes that break the contract', async () => {
      const { client, metrics } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get(CHANGES_PATH)
        .query(true)
        .reply(
          200,
          page([
            { op: 'upsert', assignmentId: 'a1', changedAt: '2026-11-25T09:00:00Z' },
            { op: 'upsert', assignmentId: 'a1', changedAt: '2026-11-25T09:00:00Z', assignment: wireAssignment('other') },
            { op: 'rename', assignmentId: 'a3', changedAt: '2026-11-25T09:00:00Z' },
            { op: 'delete', assignmentId: 'a4', changedAt: 'yesterday' },
            { op: 'delete', assignmentId: 'a5', changedAt: '2026-11-25T09:00:00.123+00:00' },
          ]),
        );

      const [only] = await collect(client.listRoleChanges('979', 'wm-1'));

      expect(only.items).toEqual([{ op: 'delete', assignmentId: 'a5', changedAt: '2026-11-25T09:00:00.123+00:00' }]);
      expect(only.skipped).toBe(4);
      await expect(metricValue(metrics, 'esr_gateway_esr_skipped_items_total')).resolves.toBe(4);
    });

    it('should fail with EsrWatermarkExpiredError on 410 without retrying', async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE).get(CHANGES_PATH).query(true).reply(410, { error: 'watermark_expired', message: 'too old' });
      const retried = nock(BASE).get(CHANGES_PATH).query(true).reply(200, page([]));

      const error = await collect(client.listRoleChanges('979', 'wm-old')).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EsrWatermarkExpiredError);
      expect(error).toMatchObject({ code: 'ESR_UNAVAILABLE', vpd: '979' });
      expect(retried.isDone()).toBe(false);
    });

    it('should refuse an empty watermark', () => {
      const { client } = makeTestClient();

      expect(() => client.listRoleChanges('979', '')).toThrow(ValidationFailedError);
    });
  });

  describe('searchPeople', () => {
    it.each([
      [{ employeeNumber: '30581377' }, { employeeNumber: '30581377' }],
      [{ assignmentNumber: '30581377-2' }, { assignmentNumber: '30581377-2' }],
      [
        { lastName: 'Fairweather', dateOfBirth: '1984-03-09', niNumber: 'qq 12 34 56 c' },
        { lastName: 'Fairweather', dateOfBirth: '1984-03-09', niNumber: 'QQ123456C' },
      ],
    ])('should search by %j', async (criteria, query) => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get('/esr/v1/vpds/979/people')
        .query(query)
        .reply(200, { items: [wirePersonSummary({ title: undefined, primaryAssignmentNumber: null })] });

      await expect(client.searchPeople('979', criteria)).resolves.toEqual([
        {
          employeeNumber: '30581377',
          vpd: '979',
          title: null,
          firstName: 'Alexandra',
          lastName: 'Fairweather',
          dateOfBirth: '1984-03-09',
          systemPersonType: 'EMP',
          primaryAssignmentNumber: null,
        },
      ]);
    });

    it.each([
      [{}],
      [{ employeeNumber: '30581377', lastName: 'Fairweather' }],
      [{ lastName: 'Fairweather', dateOfBirth: '1984-03-09' }],
      [{ employeeNumber: '3058' }],
      [{ lastName: 'Fairweather', dateOfBirth: '1984-02-30', niNumber: 'QQ123456C' }],
      [{ lastName: 'Fairweather', dateOfBirth: '1984-03-09', niNumber: 'QQ12345' }],
    ])('should refuse criteria %j without calling ESR', async (criteria) => {
      const { client } = makeTestClient();

      const error = await client.searchPeople('979', criteria as never).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ValidationFailedError);
      expect(JSON.stringify((error as ValidationFailedError).options.details)).not.toMatch(/Fairweather|1984|QQ/);
    });

    it('should never log or return search criteria when ESR fails', async () => {
      const { client } = makeTestClient({ ESR_MAX_ATTEMPTS: '2' });
      tokenEndpoint();
      nock(BASE).get('/esr/v1/vpds/979/people').query(true).reply(500, 'Fairweather 1984-03-09 QQ123456C');
      nock(BASE).get('/esr/v1/vpds/979/people').query(true).reply(400, { error: 'bad_request', message: 'lastName Fairweather not valid' });

      const error = await client
        .searchPeople('979', { lastName: 'Fairweather', dateOfBirth: '1984-03-09', niNumber: 'QQ123456C' })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EsrRejectedError);
      const everything = [
        logged.join('\n'),
        (error as Error).message,
        (error as Error).stack ?? '',
        JSON.stringify(error),
        String((error as Error).cause),
      ].join('\n');
      expect(everything).not.toMatch(/Fairweather|1984-03-09|QQ123456C/);
    });

    it('should skip people that break the contract', async () => {
      const { client, metrics } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get('/esr/v1/vpds/979/people')
        .query(true)
        .reply(200, {
          items: [wirePersonSummary(), wirePersonSummary({ dateOfBirth: null }), wirePersonSummary({ systemPersonType: 'ALIEN' })],
        });

      await expect(client.searchPeople('979', { employeeNumber: '30581377' })).resolves.toHaveLength(1);
      await expect(
        metricValue(metrics, 'esr_gateway_esr_skipped_items_total', { endpoint: 'GET /esr/v1/vpds/{vpd}/people' }),
      ).resolves.toBe(2);
      expect(logged.join('\n')).not.toMatch(/Alexandra|Fairweather|1984/);
    });
  });

  describe('getPerson', () => {
    it("should return the person's record with every contract field", async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get(PERSON_PATH)
        .reply(200, wirePerson({ middleNames: undefined, hireDate: undefined }));

      const person = await client.getPerson('979', '30581377');

      expect(person).toEqual({
        employeeNumber: '30581377',
        vpd: '979',
        title: 'Ms',
        firstName: 'Alexandra',
        lastName: 'Fairweather',
        dateOfBirth: '1984-03-09',
        systemPersonType: 'EMP',
        primaryAssignmentNumber: '30581377',
        extractDate: null,
        middleNames: null,
        niNumberMasked: 'QQ****56C',
        hireDate: null,
        actualTerminationDate: null,
        assignments: [
          {
            assignmentNumber: '30581377',
            primary: true,
            status: 'ACTIVE',
            positionName: 'Staff Nurse',
            jobRole: 'Staff Nurse',
            staffGroup: 'Nursing and Midwifery Registered',
            organisationName: 'Ward 7',
            effectiveStartDate: '2015-06-01',
            effectiveEndDate: null,
          },
        ],
        employmentChecks: [
          {
            type: 'DBS',
            status: 'VERIFIED',
            checkedDate: '2023-01-10',
            expiryDate: '2026-01-10',
            reference: '001234567890',
            // ESR 1.0 fields only: the 1.1.0 details are null, never guessed.
            level: null,
            barredLists: null,
            updateService: null,
            documentType: null,
            restrictions: null,
            followUpDate: null,
          },
        ],
        registrations: [{ body: 'NMC', number: '15A1234E', status: 'REGISTERED', expiryDate: '2027-05-31' }],
        competences: [
          {
            name: 'Infection Prevention and Control - Level 2',
            cstfSubject: 'Infection Prevention and Control',
            level: 2,
            status: 'ACHIEVED',
            achievedDate: '2026-02-01',
            expiryDate: '2027-02-01',
          },
        ],
        immunisations: [{ antigen: 'Varicella', date: '2015-05-20', result: 'Immune' }],
      });
    });

    it("should read ESR 1.1.0's extract date header and the DBS and right-to-work details", async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      const dbs = {
        type: 'DBS',
        status: 'VERIFIED',
        checkedDate: '2023-01-10',
        expiryDate: null,
        reference: '001234567890',
        level: 'ENHANCED_WITH_BARRED_LISTS',
        barredLists: ['ADULTS', 'CHILDREN'],
        updateService: true,
      };
      const rightToWork = {
        type: 'RIGHT_TO_WORK',
        status: 'VERIFIED',
        checkedDate: '2024-02-01',
        expiryDate: '2027-01-31',
        reference: 'W12345678',
        documentType: 'Biometric residence permit',
        restrictions: 'Limited to 20 hours a week in term time',
        followUpDate: '2027-01-31',
      };
      const badLevel = { ...dbs, level: 'PLATINUM' };
      nock(BASE)
        .get(PERSON_PATH)
        .reply(200, wirePerson({ employmentChecks: [dbs, rightToWork, badLevel] }), { 'X-ESR-Extract-Date': '2026-11-25T02:00:00+00:00' });

      const person = await client.getPerson('979', '30581377');

      expect(person.extractDate).toBe('2026-11-25T02:00:00+00:00');
      expect(person.employmentChecks).toEqual([
        expect.objectContaining({
          type: 'DBS',
          level: 'ENHANCED_WITH_BARRED_LISTS',
          barredLists: ['ADULTS', 'CHILDREN'],
          updateService: true,
        }),
        expect.objectContaining({
          type: 'RIGHT_TO_WORK',
          documentType: 'Biometric residence permit',
          restrictions: 'Limited to 20 hours a week in term time',
          followUpDate: '2027-01-31',
          level: null,
          barredLists: null,
          updateService: null,
        }),
      ]);
      expect(logged.join('\n')).toMatch(
        /employmentChecks\[2\]\.level: expected one of BASIC, STANDARD, ENHANCED, ENHANCED_WITH_BARRED_LISTS/,
      );
    });

    it('should leave out list entries that break the contract and keep the rest', async () => {
      const { client, metrics } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get(PERSON_PATH)
        .reply(
          200,
          wirePerson({
            immunisations: [
              { antigen: 'Varicella', date: '2015-05-20', result: 'Immune' },
              { antigen: 'Hepatitis B', date: 'last year' },
            ],
            competences: [{ name: 'Fire Safety', status: 'DONE' }],
          }),
        );

      const person = await client.getPerson('979', '30581377');

      expect(person.immunisations).toHaveLength(1);
      expect(person.competences).toEqual([]);
      await expect(
        metricValue(metrics, 'esr_gateway_esr_skipped_items_total', { endpoint: 'GET /esr/v1/vpds/{vpd}/people/{employeeNumber}' }),
      ).resolves.toBe(2);
      expect(logged.join('\n')).toMatch(/immunisations\[1\]\.date: expected a date/);
    });

    it('should treat a person record that breaks the contract as an ESR error', async () => {
      const { client } = makeTestClient({ ESR_MAX_ATTEMPTS: '1' });
      tokenEndpoint();
      nock(BASE)
        .get(PERSON_PATH)
        .reply(200, wirePerson({ assignments: 'none' }));

      await expect(client.getPerson('979', '30581377')).rejects.toBeInstanceOf(EsrUnavailableError);
    });

    it('should treat a record of another person as an ESR error', async () => {
      const { client } = makeTestClient({ ESR_MAX_ATTEMPTS: '1' });
      tokenEndpoint();
      nock(BASE)
        .get(PERSON_PATH)
        .reply(200, wirePerson({ employeeNumber: '11111111' }));

      await expect(client.getPerson('979', '30581377')).rejects.toBeInstanceOf(EsrUnavailableError);
    });
  });

  describe('listVpds', () => {
    it('should return the VPDs, leaving out entries that break the contract', async () => {
      const { client } = makeTestClient();
      tokenEndpoint();
      nock(BASE)
        .get('/esr/v1/vpds')
        .reply(200, {
          items: [
            { vpd: '979', organisationName: 'Example NHS Trust', active: true },
            { vpd: '97', organisationName: 'Bad', active: true },
            { vpd: '123', organisationName: 'Other Trust', active: false },
          ],
        });

      await expect(client.listVpds()).resolves.toEqual([
        { vpd: '979', organisationName: 'Example NHS Trust', active: true },
        { vpd: '123', organisationName: 'Other Trust', active: false },
      ]);
    });
  });

  describe('metrics', () => {
    it('should count requests by endpoint template and status and time them', async () => {
      const { client, metrics } = makeTestClient({ ESR_MAX_ATTEMPTS: '2' });
      tokenEndpoint();
      nock(BASE).get(PERSON_PATH).reply(500, 'x');
      nock(BASE).get(PERSON_PATH).reply(200, wirePerson());

      await client.getPerson('979', '30581377');

      const person = 'GET /esr/v1/vpds/{vpd}/people/{employeeNumber}';
      await expect(metricValue(metrics, 'esr_gateway_esr_requests_total', { endpoint: person, status: '500' })).resolves.toBe(1);
      await expect(metricValue(metrics, 'esr_gateway_esr_requests_total', { endpoint: person, status: '200' })).resolves.toBe(1);
      await expect(metricValue(metrics, 'esr_gateway_esr_requests_total', { endpoint: 'POST /oauth2/token', status: '200' })).resolves.toBe(
        1,
      );
      const text = await metrics.registry.metrics();
      expect(text).toContain(`esr_gateway_esr_request_duration_seconds_count{endpoint="${person}",status="200"} 1`);
      expect(text).not.toContain('30581377');
      expect(text).toContain('esr_gateway_esr_circuit_breaker_state 0');
    });
  });

  describe('baseUrl', () => {
    it('should expose the ESR base URL in use', () => {
      const { client } = makeTestClient();

      expect(client.baseUrl).toBe(BASE);
      expect(client.breakerState()).toBe('closed');
    });
  });
});

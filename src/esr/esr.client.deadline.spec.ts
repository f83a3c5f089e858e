import { Logger } from '@nestjs/common';
import nock from 'nock';
import { TEST_ESR_BASE_URL as BASE, makeTestClient, metricValue, wirePerson } from '../../test/esr/esr.fixtures';
import { EsrClient } from './esr.client';
import { EsrTimeoutError, EsrUnavailableError } from './esr.errors';

const PERSON_PATH = '/esr/v1/vpds/979/people/30581377';

function tokenEndpoint(): nock.Scope {
  return nock(BASE).post('/oauth2/token').reply(200, { access_token: 't1', token_type: 'Bearer', expires_in: 300 });
}

/** Runs `work` and returns how long it took to settle, and its error if it failed. */
async function timed(work: Promise<unknown>): Promise<{ ms: number; error?: unknown }> {
  const started = performance.now();
  try {
    await work;
    return { ms: performance.now() - started };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe(`${EsrClient.name} deadlines and lanes`, () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
  beforeEach(() => {
    for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    nock.abortPendingRequests();
    nock.cleanAll();
  });

  const deadlineEnv = { ESR_INTERACTIVE_DEADLINE: 'PT0.4S', ESR_REQUEST_TIMEOUT: 'PT5S', ESR_MAX_ATTEMPTS: '4' };

  it('should end an interactive call with EsrTimeoutError when ESR_INTERACTIVE_DEADLINE passes, however long the request timeout', async () => {
    const { client, metrics } = makeTestClient(deadlineEnv);
    tokenEndpoint();
    nock(BASE).get('/esr/v1/vpds').reply(200, { items: [] });
    await client.listVpds(); // token in hand: the deadline below is all ESR's
    nock(BASE).get(PERSON_PATH).delay(5_000).reply(200, wirePerson());

    const { ms, error } = await timed(client.getPerson('979', '30581377'));

    expect(error).toBeInstanceOf(EsrTimeoutError);
    expect(error).toMatchObject({ code: 'ESR_TIMEOUT', status: 504 });
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(1400);
    await expect(metricValue(metrics, 'esr_gateway_esr_deadline_exceeded_total')).resolves.toBe(1);
    // Cut short by the caller's deadline: not ESR's failure, so not retried and not held against the breaker.
    for (let i = 0; i < 50 && (await metricValue(metrics, 'esr_gateway_esr_requests_total', { status: 'cancelled' })) === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(metricValue(metrics, 'esr_gateway_esr_requests_total', { status: 'cancelled' })).resolves.toBe(1);
    expect(client.breakerState()).toBe('closed');
  });

  it('should count retries and their backoff within the deadline, and make no attempt after it', async () => {
    // Backoff has full jitter (0-300 ms a wait): with 10 attempts allowed, the chance that all of them fit in
    // the 400 ms deadline is negligible, so the deadline, not the attempt count, ends the call. The breaker is
    // set out of reach: at its default (5 failures) it opens whenever 4 short waits fit in the deadline
    // (about one run in eight), and then the answer is ESR_UNAVAILABLE, which is right but not what this tests.
    const { client } = makeTestClient({
      ...deadlineEnv,
      ESR_BREAKER_THRESHOLD: '100',
      ESR_MAX_ATTEMPTS: '10',
      ESR_RETRY_BASE_DELAY: 'PT0.3S',
      ESR_RETRY_MAX_DELAY: 'PT0.3S',
    });
    tokenEndpoint();
    const failing = nock(BASE).get(PERSON_PATH).times(10).reply(500, { error: 'internal', message: 'x' });

    const { ms, error } = await timed(client.getPerson('979', '30581377'));
    expect(error).toBeInstanceOf(EsrTimeoutError);
    expect(ms).toBeLessThan(1400);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(failing.pendingMocks().length).toBeGreaterThan(0); // the remaining attempts were never made
  });

  it('should answer at once with ESR_UNAVAILABLE and ESR Retry-After when that wait would outlast the deadline', async () => {
    const { client } = makeTestClient({ ...deadlineEnv, ESR_RETRY_AFTER_CAP: 'PT30S' });
    tokenEndpoint();
    nock(BASE).get(PERSON_PATH).reply(429, { error: 'rate_limited', message: 'slow down' }, { 'Retry-After': '20' });

    const { ms, error } = await timed(client.getPerson('979', '30581377'));

    expect(ms).toBeLessThan(1000);
    expect(error).toBeInstanceOf(EsrUnavailableError);
    expect((error as EsrUnavailableError).retryAfterSeconds).toBe(20);
  });

  it('should answer 503 with Retry-After rather than 504 when the breaker opened while the call waited', async () => {
    const { client } = makeTestClient({ ...deadlineEnv, ESR_BREAKER_THRESHOLD: '1', ESR_BREAKER_HALF_OPEN_AFTER: 'PT20S' });
    tokenEndpoint();
    nock(BASE).get(PERSON_PATH).delay(5_000).reply(200, wirePerson());
    nock(BASE).get('/esr/v1/vpds').reply(500, { error: 'internal', message: 'x' });

    const waiting = timed(client.getPerson('979', '30581377'));
    await expect(client.listVpds({ lane: 'sync' })).rejects.toBeInstanceOf(EsrUnavailableError);
    expect(client.breakerState()).toBe('open');
    const { error } = await waiting;

    expect(error).toBeInstanceOf(EsrUnavailableError);
    expect((error as EsrUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(19);
  });

  it('should share one deadline between the calls that serve one person', async () => {
    const { client } = makeTestClient({ ...deadlineEnv, ESR_INTERACTIVE_DEADLINE: 'PT0.5S' });
    tokenEndpoint();
    nock(BASE).get('/esr/v1/vpds/979/people').query(true).delay(300).reply(200, { items: [] });
    nock(BASE).get(PERSON_PATH).delay(300).reply(200, wirePerson());

    const deadline = client.interactiveDeadline();
    await client.searchPeople('979', { employeeNumber: '30581377' }, { deadline });
    const { error } = await timed(client.getPerson('979', '30581377', { deadline }));

    expect(error).toBeInstanceOf(EsrTimeoutError); // 300 + 300 ms > 500 ms; each alone would fit
  });

  it('should give sync calls no interactive deadline: they keep their own attempts and timeouts', async () => {
    const { client } = makeTestClient(deadlineEnv);
    tokenEndpoint();
    nock(BASE).get('/esr/v1/vpds').delay(700).reply(200, { items: [] });
    nock(BASE)
      .get('/esr/v1/vpds/979/supplementary-role-assignments')
      .query(true)
      .delay(700)
      .reply(200, { items: [], nextCursor: null, watermark: 'w' });

    await expect(client.listVpds()).resolves.toEqual([]);
    const pages = [];
    for await (const page of client.listRoleAssignments('979')) pages.push(page);
    expect(pages).toHaveLength(1);
  });

  it("should treat one person's role listing (an on-demand refresh) as interactive, with a deadline", async () => {
    const { client } = makeTestClient(deadlineEnv);
    tokenEndpoint();
    nock(BASE)
      .get('/esr/v1/vpds/979/supplementary-role-assignments')
      .query((q) => q.employeeNumber === '30581377')
      .delay(5_000)
      .reply(200, { items: [], nextCursor: null, watermark: 'w' });

    const { ms, error } = await timed(
      (async () => {
        for await (const page of client.listRoleAssignments('979', { employeeNumber: '30581377' })) void page;
      })(),
    );
    expect(error).toBeInstanceOf(EsrTimeoutError);
    expect(ms).toBeLessThan(1400);
  });

  it('should serve an interactive call ahead of sync pages that queued before it', async () => {
    const { client } = makeTestClient({ ESR_RATE_LIMIT_PER_SECOND: '2', ESR_INTERACTIVE_RESERVE: '0' });
    tokenEndpoint();
    const order: string[] = [];
    nock(BASE)
      .get('/esr/v1/vpds')
      .times(4)
      .reply(() => {
        order.push('sync');
        return [200, { items: [] }];
      });
    nock(BASE)
      .get(PERSON_PATH)
      .reply(() => {
        order.push('person');
        return [200, wirePerson()];
      });

    const sync = Promise.all(Array.from({ length: 4 }, () => client.listVpds()));
    await new Promise((resolve) => setTimeout(resolve, 50)); // token + 1 sync call go; 3 sync calls queue
    await client.getPerson('979', '30581377');
    await sync;

    expect(order).toEqual(['sync', 'person', 'sync', 'sync', 'sync']);
  }, 10_000);
});

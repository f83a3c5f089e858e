import { RunningSandbox, SandboxAdmin } from '../../src/sandbox/sandbox.server';
import { EsrContract } from './esr-contract';
import { ROLE, START, startTestSandbox, TestClient, TestClock } from './sandbox-client';

const VPDS = '/esr/v1/vpds';
const LISTING_ROUTE = '/esr/v1/vpds/{vpd}/supplementary-role-assignments';
const LISTING = '/esr/v1/vpds/979/supplementary-role-assignments';

describe(SandboxAdmin.name, () => {
  const contract = new EsrContract();
  let sandbox: RunningSandbox;
  let client: TestClient;
  let clock: TestClock;

  beforeAll(async () => {
    ({ sandbox, client, clock } = await startTestSandbox());
  });

  afterAll(async () => {
    await sandbox.close();
  });

  beforeEach(async () => {
    sandbox.admin.clearFaults();
    sandbox.admin.setRateLimit(0);
    clock.ms = START;
    await client.login();
  });

  describe('faults', () => {
    it('should add latency to every answer', async () => {
      sandbox.admin.setFaults({ latencyMs: 150 });
      const started = performance.now();
      await expect(client.get(VPDS)).resolves.toMatchObject({ status: 200 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('should answer 500 at the configured error rate', async () => {
      sandbox.admin.setFaults({ errorRate: 1 });
      const failed = await client.get(VPDS);
      expect(failed).toMatchObject({ status: 500, body: { error: 'internal_error' } });
      expect(contract.schemaProblems('Error', failed.body)).toEqual([]);
      sandbox.admin.setFaults({ errorRate: 0.5 });
      const statuses = [];
      for (let n = 0; n < 40; n++) statuses.push((await client.get(VPDS)).status);
      expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
    });

    it('should answer 503 with Retry-After while in maintenance, and still issue tokens', async () => {
      sandbox.admin.setFaults({ maintenance: { retryAfterSeconds: 120 } });
      const response = await client.get(LISTING, { roleName: ROLE });
      expect(contract.problems(LISTING_ROUTE, 'get', response)).toEqual([]);
      expect(response).toMatchObject({ status: 503, body: { error: 'maintenance' } });
      expect(response.headers.get('retry-after')).toBe('120');
      const vpds = await client.get(VPDS);
      expect(contract.problems(VPDS, 'get', vpds)).toEqual([]);
      expect(vpds.status).toBe(503);
      await expect(client.login()).resolves.toEqual(expect.any(String));
    });

    it('should hang until the client gives up, and close while requests hang', async () => {
      sandbox.admin.setFaults({ hang: true });
      const aborted = fetch(`${sandbox.url}${VPDS}`, {
        headers: { authorization: `Bearer ${client.token as string}` },
        signal: AbortSignal.timeout(300),
      });
      await expect(aborted).rejects.toThrow();
      const other = await startTestSandbox();
      other.sandbox.admin.setFaults({ hang: true });
      const hanging = fetch(`${other.sandbox.url}${VPDS}`, { headers: { authorization: `Bearer ${other.client.token as string}` } });
      const outcome = hanging.then(
        () => 'answered',
        () => 'dropped',
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closing = performance.now();
      await other.sandbox.close();
      expect(performance.now() - closing).toBeLessThan(2_000);
      await expect(outcome).resolves.toBe('dropped');
    });

    it('should mix malformed items into listings without losing the valid ones', async () => {
      const clean = (await client.get(LISTING, { roleName: ROLE, limit: '1000' })).body as { items: unknown[] };
      sandbox.admin.setFaults({ malformedItems: true });
      const response = await client.get(LISTING, { roleName: ROLE, limit: '1000' });
      expect(response.status).toBe(200);
      expect(contract.problems(LISTING_ROUTE, 'get', response)).not.toEqual([]);
      const items = (response.body as { items: unknown[] }).items;
      const valid = items.filter((item) => contract.schemaProblems('RoleAssignment', item).length === 0);
      expect(items.length).toBeGreaterThan(valid.length);
      expect(valid).toEqual(clean.items);

      const feed = await client.get('/esr/v1/vpds/979/supplementary-role-assignments/changes', {
        roleName: ROLE,
        since: sandbox.admin.baselineWatermark(),
      });
      const changes = (feed.body as { items: unknown[] }).items;
      expect(changes.some((c) => contract.schemaProblems('RoleAssignmentChange', c).length > 0)).toBe(true);
    });

    it('should reject every current token with 401 when tokens are expired', async () => {
      const before = client.token as string;
      sandbox.admin.setFaults({ expireTokens: true });
      await expect(client.get(VPDS, {}, before)).resolves.toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      await client.login();
      await expect(client.get(VPDS)).resolves.toMatchObject({ status: 200 });
      expect(sandbox.admin.faults()).not.toHaveProperty('expireTokens');
    });

    it('should throttle every request with 429 and Retry-After when told to', async () => {
      sandbox.admin.setFaults({ throttle: { retryAfterSeconds: 7 } });
      const response = await client.get(LISTING, { roleName: ROLE });
      expect(contract.problems(LISTING_ROUTE, 'get', response)).toEqual([]);
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('7');
    });

    it('should answer normally again once the faults are cleared', async () => {
      sandbox.admin.setFaults({ errorRate: 1, maintenance: { retryAfterSeconds: 5 }, malformedItems: true });
      expect(sandbox.admin.clearFaults()).toEqual({
        latencyMs: 0,
        errorRate: 0,
        maintenance: null,
        hang: false,
        malformedItems: false,
        throttle: null,
      });
      const response = await client.get(LISTING, { roleName: ROLE });
      expect(contract.problems(LISTING_ROUTE, 'get', response)).toEqual([]);
      expect(response.status).toBe(200);
    });

    it('should set and clear faults over HTTP, refusing invalid ones', async () => {
      await expect(client.admin('PUT', '/sandbox/faults', { latencyMs: 5, malformedItems: true })).resolves.toMatchObject({
        status: 200,
        body: { latencyMs: 5, malformedItems: true, errorRate: 0 },
      });
      await expect(client.admin('GET', '/sandbox/faults')).resolves.toMatchObject({ body: { latencyMs: 5 } });
      await expect(client.admin('DELETE', '/sandbox/faults')).resolves.toMatchObject({ status: 204 });
      expect(sandbox.admin.faults().latencyMs).toBe(0);
      for (const body of [
        { latencyMs: -1 },
        { latencyMs: 'slow' },
        { errorRate: 2 },
        { maintenance: { retryAfterSeconds: 'soon' } },
        { maintenance: true },
        { hang: 'yes' },
        { explode: true },
        [1, 2],
      ]) {
        const response = await client.admin('PUT', '/sandbox/faults', body);
        expect(response).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
        expect(contract.schemaProblems('Error', response.body)).toEqual([]);
      }
    });
  });

  describe('rate limit', () => {
    it('should answer 429 with Retry-After above 20 requests per second per client', async () => {
      sandbox.admin.setRateLimit(20);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const responses = await Promise.all(Array.from({ length: 30 }, () => client.get(VPDS)));
      const throttled = responses.filter((r) => r.status === 429);
      const answered = responses.filter((r) => r.status === 200);
      // 30 requests at once: 20 fit in the window (more only if the burst took over a second to arrive).
      expect(answered.length).toBeGreaterThanOrEqual(20);
      expect(throttled.length).toBeGreaterThan(0);
      expect(answered.length + throttled.length).toBe(30);
      for (const response of throttled) {
        expect(contract.problems(VPDS, 'get', response)).toEqual([]);
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      await expect(client.get(VPDS)).resolves.toMatchObject({ status: 200 });
    });

    it('should change the limit over HTTP', async () => {
      await expect(client.admin('PUT', '/sandbox/rate-limit', { perSecond: 5 })).resolves.toMatchObject({ body: { perSecond: 5 } });
      expect(sandbox.admin.rateLimit).toBe(5);
      await expect(client.admin('PUT', '/sandbox/rate-limit', { perSecond: -5 })).resolves.toMatchObject({ status: 400 });
    });
  });
});

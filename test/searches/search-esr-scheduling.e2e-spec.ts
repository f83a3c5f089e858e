import { FakeClock } from '../../src/common/clock/clock';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { SearchesService } from '../../src/searches/searches.service';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';
import { DuplicatingProxy } from './duplicating-proxy';

const HOME_VPD = '979';
const START = Date.parse('2026-11-25T10:00:00Z');
const HOUR = 3_600_000;
const DEADLINE_MS = 2_000;
const RATE = 3;
const LISTING = `/esr/v1/vpds/${HOME_VPD}/supplementary-role-assignments`;

/**
 * How credential searches share ESR with the sync, through the whole gateway: ESR's limit is tiny
 * (3 a second), the reserve for interactive calls is off (so a sync can fill the window and a search
 * has to queue), sync pages are small (many of them), and one attempt may last 30 s while
 * ESR_INTERACTIVE_DEADLINE is 2 s.
 */
describe(`${SearchesService.name} and ESR scheduling`, () => {
  const clock = new FakeClock(START);
  let sandbox: RunningSandbox;
  let proxy: DuplicatingProxy;
  let t: TestApp;
  let hr: string;
  let subject: string;

  const ops = { authorization: `Bearer ${OPS_KEY}` };
  const search = (employeeNumber: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/credential-searches',
      headers: { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': hr },
      payload: { vpd: HOME_VPD, employeeNumber },
    });
  const startFullSync = async (): Promise<string> => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/sync/runs', headers: ops, payload: { mode: 'full' } });
    expect(res.statusCode).toBe(202);
    return res.json<{ runId: string }>().runId;
  };
  const finished = async (runId: string): Promise<void> => {
    for (let i = 0; i < 1200; i++) {
      const run = await t.app.inject({ method: 'GET', url: `/v1/sync/runs/${runId}`, headers: ops });
      const { state } = run.json<{ state: string }>();
      if (state !== 'queued' && state !== 'running') {
        if (state !== 'succeeded') throw new Error(`the sync run ended ${run.body}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the sync did not finish');
  };
  const listingRequests = () => proxy.esrRequests.filter((r) => r.path === LISTING).length;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), vpdCount: 1, roleAssignments: 40, rateLimitPerSecond: RATE });
    proxy = await new DuplicatingProxy(sandbox).start();
    t = await startTestApp(
      {
        ESR_BASE_URL: proxy.url,
        ESR_VPDS: HOME_VPD,
        ESR_PAGE_SIZE: '2',
        ESR_RATE_LIMIT_PER_SECOND: String(RATE),
        ESR_INTERACTIVE_RESERVE: '0',
        ESR_INTERACTIVE_DEADLINE: `PT${DEADLINE_MS / 1000}S`,
        ESR_REQUEST_TIMEOUT: 'PT30S',
        ESR_MAX_ATTEMPTS: '4',
        ESR_BREAKER_THRESHOLD: '100',
        SEARCH_RATE_LIMIT_PER_MINUTE: '100',
      },
      clock,
    );
    await finished(await startFullSync());

    // An HR user whose role was assigned more than 24 hours ago and who is active in ESR.
    for (let n = 0; n < sandbox.admin.generatedRoleSlots(HOME_VPD) && !hr; n++) {
      const holder = sandbox.admin.findRoleHolder(HOME_VPD, n);
      const roles = sandbox.admin.roleAssignmentsOf(HOME_VPD, holder.employeeNumber);
      const assigned = roles.some((r) => r.effectiveEndDate === null && Date.parse(r.createdAt) < clock.nowMs() - 25 * HOUR);
      if (!assigned || !sandbox.admin.getPerson(HOME_VPD, holder.employeeNumber)?.assignments.some((a) => a.status === 'ACTIVE')) continue;
      const id = `hr.scheduling${n}@nhs.net`;
      const mapped = await t.app.inject({
        method: 'POST',
        url: `/v1/users/${encodeURIComponent(id)}/esr-mappings`,
        headers: { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.admin@nhs.net' },
        payload: { vpd: HOME_VPD, employeeNumber: holder.employeeNumber },
      });
      expect(mapped.statusCode).toBe(201);
      const access = await t.app.inject({
        method: 'GET',
        url: `/v1/users/${encodeURIComponent(id)}/esr-access`,
        headers: { authorization: `Bearer ${PORTAL_KEY}` },
      });
      if (access.json<{ searchEnabled: boolean }>().searchEnabled) hr = id;
    }
    expect(hr).toBeDefined();
    subject = sandbox.admin.findPersonWithoutRole(HOME_VPD, 0).employeeNumber;
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await sandbox?.close();
  });

  afterEach(() => sandbox.admin.clearFaults());

  it('should serve a search queued behind a long sync before the sync fetches its next page', async () => {
    const before = proxy.esrRequests.length;
    const runId = await startFullSync();
    // The sync fills ESR's window (3 a second) with pages; its next page then waits for a place.
    const started = listingRequests();
    for (let i = 0; i < 200 && listingRequests() < started + RATE; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const pagesBeforeSearch = proxy.esrRequests.length;

    const sent = performance.now();
    const res = await search(subject);
    const waited = performance.now() - sent;

    expect(res.statusCode).toBe(200);
    const after = proxy.esrRequests.slice(pagesBeforeSearch).map((r) => r.path);
    expect(after[0]).toBe(`/esr/v1/vpds/${HOME_VPD}/people/${subject}`); // ahead of the sync's queued page
    expect(after.slice(1).every((path) => path === LISTING)).toBe(true);
    expect(waited).toBeLessThan(1500); // it waited for one place in the window, not behind the sync's pages
    await finished(runId);
    // The sync still listed every page, and ESR never had to refuse a request (no 429).
    expect(proxy.esrRequests.slice(before).filter((r) => r.path === LISTING).length).toBeGreaterThan(RATE * 2);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: ops });
    expect(metrics.body).not.toMatch(/esr_gateway_esr_requests_total\{[^}]*status="429"[^}]*\} [1-9]/);
  }, 60_000);

  it('should answer 504 ESR_TIMEOUT within ESR_INTERACTIVE_DEADLINE plus one second while ESR hangs', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a free window
    sandbox.admin.setFaults({ hang: true });
    const sent = performance.now();
    const res = await search(subject);
    const took = performance.now() - sent;

    expect(res.statusCode).toBe(504);
    expect(res.json()).toMatchObject({ error: 'ESR_TIMEOUT' });
    expect(took).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(took).toBeLessThan(DEADLINE_MS + 1000);
  }, 30_000);
});

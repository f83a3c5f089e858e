/**
 * Access reviews (gateway-api.md, "Reconciliation": GET /v1/vpds/{vpd}/access-review) end to end:
 * real PostgreSQL and Redis, the ESR sandbox on the gateway's FakeClock, the role sync run directly.
 */
import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { FakeClock } from '../../src/common/clock/clock';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const VPD = '979';
const REVIEWER = 'ig.lead@trust.nhs.uk';
const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@trust.nhs.uk' };
const ops = { authorization: `Bearer ${OPS_KEY}`, 'x-acting-user': REVIEWER };
const USERS = ['amy', 'bob', 'cat', 'dan', 'eve'].map((name) => `${name}.review@trust.nhs.uk`);

interface ReviewItem {
  portalUserId: string;
  employeeNumber: string;
  displayName: string | null;
  state: string;
  since: string | null;
  createdBy: string;
  createdAt: string;
  lastVerifiedAt: string | null;
}

describe('Access review (PostgreSQL, Redis, ESR sandbox)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_MAX_ATTEMPTS: '1', ESR_BREAKER_THRESHOLD: '100', ESR_VPDS: VPD }, clock);
    expect(await t.app.get(RunCoordinator).runSync({ mode: 'full', vpd: VPD })).toMatchObject({ status: 'succeeded' });
    const records = [
      ...[0, 1, 2].map((n) => sandbox.admin.findRoleHolder(VPD, n).employeeNumber),
      ...[0, 1].map((n) => sandbox.admin.findPersonWithoutRole(VPD, n).employeeNumber),
    ];
    for (const [i, user] of USERS.entries()) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/users/${user}/esr-mappings`,
        headers: portal,
        payload: { vpd: VPD, employeeNumber: records[i] },
      });
      expect(res.statusCode).toBe(201);
    }
  });

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  const review = (query = '', headers: Record<string, string> = ops) =>
    t.app.inject({ method: 'GET', url: `/v1/vpds/${VPD}/access-review${query}`, headers });
  const exported = () =>
    t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { type: 'ACCESS_REVIEW_EXPORTED' }, order: { id: 'ASC' } });

  it('should need an ops key and an acting user', async () => {
    expect((await review('', portal)).statusCode).toBe(403);
    const anonymous = await review('', { authorization: ops.authorization });
    expect(anonymous.statusCode).toBe(422);
    expect(anonymous.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'X-Acting-User' }] });
    expect((await review('?cursor=bm90LWEta2V5')).statusCode).toBe(422);
    expect((await review('?limit=0')).statusCode).toBe(422);
    expect(await exported()).toEqual([]);
  });

  it('should page every mapping with the state and since-when the access endpoint answers, one audit event per page', async () => {
    const items: ReviewItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await review(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body).toMatchObject({ vpd: VPD, asOf: clock.now().toISOString() });
      expect(body.items.length).toBeLessThanOrEqual(2);
      items.push(...body.items);
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(items.map((i) => i.portalUserId)).toEqual(USERS);

    for (const item of items) {
      const access = (await t.app.inject({ method: 'GET', url: `/v1/users/${item.portalUserId}/esr-access`, headers: portal })).json();
      const mapping = access.mappings[0];
      expect(item).toEqual({
        portalUserId: item.portalUserId,
        employeeNumber: mapping.employeeNumber,
        displayName: expect.any(String),
        state: mapping.state,
        since: ['ACTIVE', 'PENDING_ACTIVATION'].includes(mapping.state) ? mapping.effectiveFrom : null,
        createdBy: 'lsa.user@trust.nhs.uk',
        createdAt: clock.now().toISOString(),
        lastVerifiedAt: clock.now().toISOString(),
      });
    }
    expect(items.filter((i) => i.state === 'NO_ROLE')).toHaveLength(2);

    const events = await exported();
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.details?.rows)).toEqual([2, 2, 1]);
    expect(events[0]).toMatchObject({ actor: REVIEWER, apiKeyId: 'ops1', vpd: VPD, details: { format: 'json', firstPage: true } });
  });

  it('should answer every row as CSV with Accept: text/csv, audited once with the row count', async () => {
    const before = (await exported()).length;
    const res = await review('?limit=1', { ...ops, accept: 'text/csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="access-review-${VPD}.csv"`);
    const rows = parse<Record<string, string>>(res.body, { columns: true });
    expect(Object.keys(rows[0])).toEqual([
      'vpd',
      'portalUserId',
      'employeeNumber',
      'displayName',
      'state',
      'since',
      'createdBy',
      'createdAt',
      'lastVerifiedAt',
    ]);
    expect(rows.map((r) => r.portalUserId)).toEqual(USERS);
    const events = await exported();
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({ actor: REVIEWER, vpd: VPD, details: { format: 'csv', rows: USERS.length } });
  });
});

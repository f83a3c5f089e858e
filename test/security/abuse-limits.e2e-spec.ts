import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { RequestBudgetGuard } from '../../src/rate-limits/request-budget.guard';
import { DatabaseSettings } from '../../src/config/settings/database.settings';
import { RedisSettings } from '../../src/config/settings/redis.settings';
import { EsrMapping } from '../../src/database/esr-mapping.entity';
import { SELF_MAPPING_REFUSED } from '../../src/mappings/self-mapping-policy';
import { PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const json = { authorization: `Bearer ${PORTAL_KEY}`, 'content-type': 'application/json' };
const audit = (t: TestApp) => t.app.get<DataSource>(getDataSourceToken()).getRepository(AuditEvent);

describe('Abuse limits', () => {
  describe('per API key on /v1', () => {
    let one: TestApp;
    let two: TestApp;

    beforeAll(async () => {
      one = await startTestApp({ API_RATE_LIMIT_PER_MINUTE: '6' });
      const shared = { API_RATE_LIMIT_PER_MINUTE: '6', REDIS_KEY_PREFIX: one.app.get(RedisSettings).keyPrefix };
      two = await startTestApp({ ...shared, DATABASE_URL: (one.app.get(DatabaseSettings).connection as { url: string }).url });
    }, 60_000);

    afterAll(async () => {
      await two?.app.close();
      await two?.cleanup();
      await one?.close();
    });

    const list = (t: TestApp) =>
      t.app.inject({ method: 'GET', url: '/v1/users/hr.one/esr-mappings', headers: { ...json, 'x-acting-user': 'lsa.one' } });

    it('should answer 429 RATE_LIMITED with Retry-After once a key has used its budget across replicas, and not count probes', async () => {
      // Each replica flushes its hits to the shared counter every 250 ms; the test flushes at once instead of waiting.
      const flush = async (...apps: TestApp[]) => {
        for (const t of apps) await t.app.get(RequestBudgetGuard).flush();
      };
      for (let i = 0; i < 3; i++) expect((await list(one)).statusCode).toBe(200);
      for (let i = 0; i < 20; i++) expect((await one.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      await flush(one);
      for (let i = 0; i < 3; i++) expect((await list(two)).statusCode).toBe(200);
      await flush(two, one);
      for (const t of [one, two]) {
        const refused = await list(t);
        expect(refused.statusCode).toBe(429);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect(refused.json()).toEqual({
          error: 'RATE_LIMITED',
          message: expect.stringContaining('request budget'),
          requestId: refused.headers['x-request-id'],
        });
      }
    });
  });

  describe('credential searches, refresh and refusals', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({
        SEARCH_KEY_RATE_LIMIT_PER_MINUTE: '4',
        SEARCH_RATE_LIMIT_PER_MINUTE: '100',
        REFRESH_RATE_LIMIT_PER_MINUTE: '2',
      });
    });

    afterAll(async () => t?.close());

    const search = (actor: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/credential-searches',
        headers: { ...json, 'x-acting-user': actor },
        payload: JSON.stringify({ vpd: '979', employeeNumber: '30581377' }),
      });

    it('should coalesce repeated refusals of one user for one reason into one audit row with a count', async () => {
      for (let i = 0; i < 3; i++) expect((await search('repeat.user')).statusCode).toBe(403);
      const rows = await audit(t).find({ where: { actor: 'repeat.user', type: 'CREDENTIAL_SEARCH_REFUSED' } });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'ACCESS_NOT_ACTIVE', repeatCount: 3 });
    });

    it('should limit searches per API key however X-Acting-User varies', async () => {
      const refused = await search('another.user');
      expect(refused.statusCode).toBe(403);
      const limited = await search('yet.another.user');
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ error: 'RATE_LIMITED', message: expect.stringContaining("portal's API key") });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('should limit on-demand refreshes per portal user and audit every one', async () => {
      const refresh = (user: string) =>
        t.app.inject({
          method: 'POST',
          url: `/v1/users/${user}/esr-access/refresh`,
          headers: { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.one' },
        });
      expect((await refresh('hr.fresh')).statusCode).toBe(200);
      expect((await refresh('hr.fresh')).statusCode).toBe(200);
      const limited = await refresh('hr.fresh');
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ error: 'RATE_LIMITED' });
      expect((await refresh('hr.other')).statusCode).toBe(200);
      const rows = await audit(t).find({ where: { type: 'ACCESS_REFRESHED', subjectUserId: 'hr.fresh' }, order: { id: 'ASC' } });
      expect(rows.map((r) => [r.actor, r.outcome])).toEqual([
        ['lsa.one', 'SEARCH_NOT_ENABLED'],
        ['lsa.one', 'SEARCH_NOT_ENABLED'],
        ['lsa.one', 'RATE_LIMITED'],
      ]);
    });
  });

  describe('separation of duties for mappings', () => {
    const create = (t: TestApp, actor: string, user: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/users/${user}/esr-mappings`,
        headers: { ...json, 'x-acting-user': actor },
        payload: JSON.stringify({ vpd: '979', employeeNumber: '30581377' }),
      });

    it('should refuse an acting user mapping their own portal account with 403, audited, nothing written', async () => {
      const t = await startTestApp();
      try {
        const res = await create(t, 'lsa.self@nhs.net', 'lsa.self@nhs.net');
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({ error: 'FORBIDDEN', message: SELF_MAPPING_REFUSED, requestId: res.headers['x-request-id'] });
        await expect(t.app.get<DataSource>(getDataSourceToken()).getRepository(EsrMapping).count()).resolves.toBe(0);
        await expect(audit(t).findOneBy({ type: 'MAPPING_REFUSED' })).resolves.toMatchObject({
          actor: 'lsa.self@nhs.net',
          subjectUserId: 'lsa.self@nhs.net',
          outcome: 'SELF_MAPPING',
        });
        const imported = await t.app.inject({
          method: 'POST',
          url: '/v1/esr-mappings/import',
          headers: { ...json, 'x-acting-user': 'lsa.self@nhs.net' },
          payload: JSON.stringify({
            items: [
              { portalUserId: 'lsa.self@nhs.net', vpd: '979', employeeNumber: '30581377' },
              { portalUserId: 'hr.one@nhs.net', vpd: '979', employeeNumber: '68114448' },
            ],
          }),
        });
        expect(imported.json()).toMatchObject({
          created: 1,
          skipped: 0,
          unverified: 0,
          errors: [{ index: 0, error: 'FORBIDDEN', message: SELF_MAPPING_REFUSED }],
        });
        expect((await create(t, 'lsa.other@nhs.net', 'lsa.self@nhs.net')).statusCode).toBe(201);
      } finally {
        await t.close();
      }
    });

    it('should allow it with MAPPING_SELF_SERVICE=true and mark the audit event', async () => {
      const t = await startTestApp({ MAPPING_SELF_SERVICE: 'true' });
      try {
        expect((await create(t, 'lsa.self@nhs.net', 'lsa.self@nhs.net')).statusCode).toBe(201);
        await expect(audit(t).findOneBy({ type: 'MAPPING_CREATED' })).resolves.toMatchObject({ details: { selfService: true } });
      } finally {
        await t.close();
      }
    });
  });
});

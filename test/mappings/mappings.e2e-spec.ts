import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { AuditService } from '../../src/audit/audit.service';
import { EsrMapping } from '../../src/database/esr-mapping.entity';
import { BOTH_KEY, OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const MISSING = 'Please enter an employee number and vpd';
const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@nhs.net' };

/**
 * The mappings API itself, with ESR out of reach (nothing listens on its port): every save is kept
 * unverified, as during an ESR maintenance window. ESR checks are specified in manage-user.e2e-spec.ts.
 */
describe('ESR mappings API (PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ ESR_BASE_URL: 'http://127.0.0.1:9', ESR_MAX_ATTEMPTS: '1', ESR_BREAKER_THRESHOLD: '100' });
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  afterEach(() => jest.restoreAllMocks());

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);
  const add = (user: string, payload: unknown, headers: Record<string, string> = portal) =>
    inject({ method: 'POST', url: `/v1/users/${user}/esr-mappings`, headers, payload: payload as object });
  const list = (user: string) => inject({ method: 'GET', url: `/v1/users/${user}/esr-mappings`, headers: portal });
  const remove = (user: string, vpd: string, employeeNumber: string, headers: Record<string, string> = portal) =>
    inject({ method: 'DELETE', url: `/v1/users/${user}/esr-mappings/${vpd}/${employeeNumber}`, headers });
  const importRows = (items: unknown, headers: Record<string, string> = portal) =>
    inject({ method: 'POST', url: '/v1/esr-mappings/import', headers, payload: { items } as object });
  const mappingsOf = async (user: string) =>
    (await db.getRepository(EsrMapping).find({ where: { portalUserId: user } })).map((m) => `${m.vpd}/${m.employeeNumber}`).sort();
  const eventsAbout = (user: string) => db.getRepository(AuditEvent).find({ where: { subjectUserId: user }, order: { id: 'ASC' } });

  describe('access control', () => {
    it('should answer 401 without a key or with an unknown key', async () => {
      for (const headers of [{}, { authorization: 'Bearer not-a-key-at-all' }] as Record<string, string>[]) {
        for (const res of [
          await inject({ method: 'GET', url: '/v1/users/u1/esr-mappings', headers }),
          await add('u1', { vpd: '979', employeeNumber: '30581377' }, headers),
          await remove('u1', '979', '30581377', headers),
          await importRows([], headers),
        ]) {
          expect(res.statusCode).toBe(401);
          expect(res.json().error).toBe('UNAUTHENTICATED');
        }
      }
    });

    it('should answer 403 to the ops key on every mappings route', async () => {
      const ops = { authorization: `Bearer ${OPS_KEY}`, 'x-acting-user': 'lsa' };
      for (const res of [
        await inject({ method: 'GET', url: '/v1/users/u1/esr-mappings', headers: ops }),
        await add('u1', { vpd: '979', employeeNumber: '30581377' }, ops),
        await remove('u1', '979', '30581377', ops),
        await importRows([{ portalUserId: 'u1', vpd: '979', employeeNumber: '30581377' }], ops),
      ]) {
        expect(res.statusCode).toBe(403);
        expect(res.json().error).toBe('FORBIDDEN');
      }
      await expect(mappingsOf('u1')).resolves.toEqual([]);
    });

    it('should accept a key with both scopes', async () => {
      const res = await add(
        'both.user',
        { vpd: '979', employeeNumber: '40000001' },
        { authorization: `Bearer ${BOTH_KEY}`, 'x-acting-user': 'lsa' },
      );
      expect(res.statusCode).toBe(201);
    });

    it('should require X-Acting-User on changes, naming the header', async () => {
      const { authorization } = portal;
      for (const res of [
        await add('u2', { vpd: '979', employeeNumber: '30581377' }, { authorization }),
        await remove('u2', '979', '30581377', { authorization }),
        await importRows([{ portalUserId: 'u2', vpd: '979', employeeNumber: '30581377' }], { authorization }),
        await add('u2', { vpd: '979', employeeNumber: '30581377' }, { authorization, 'x-acting-user': 'not valid!' }),
      ]) {
        expect(res.statusCode).toBe(422);
        expect(res.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'X-Acting-User' }] });
      }
      await expect(mappingsOf('u2')).resolves.toEqual([]);
    });
  });

  describe('list, add and delete', () => {
    it('should walk the Manage User screen: empty, add, list, delete, with audit events', async () => {
      expect((await list('hiran.mistry@nhs.net')).headers['cache-control']).toBe('no-store');
      await expect(list('hiran.mistry@nhs.net').then((r) => r.json())).resolves.toEqual({
        portalUserId: 'hiran.mistry@nhs.net',
        items: [],
      });

      const created = await add(
        'hiran.mistry@nhs.net',
        { vpd: '979', employeeNumber: '30581377' },
        { ...portal, 'x-request-id': 'req-add-1' },
      );
      expect(created.statusCode).toBe(201);
      const { esrPerson, access, ...body } = created.json();
      expect(body).toEqual({
        portalUserId: 'hiran.mistry@nhs.net',
        vpd: '979',
        employeeNumber: '30581377',
        createdAt: t.clock.now().toISOString(),
        createdBy: 'lsa.user@nhs.net',
        verified: false,
        displayName: null,
      });
      // ESR is out of reach: saved unverified, and the access answer says so.
      expect(esrPerson).toBeNull();
      expect(access).toMatchObject({
        state: 'NOT_SYNCED',
        reason: expect.stringContaining('ESR has not yet confirmed employee number 30581377'),
      });

      const listed = await list('hiran.mistry@nhs.net');
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toEqual({ portalUserId: 'hiran.mistry@nhs.net', items: [body] });

      const deleted = await remove('hiran.mistry@nhs.net', '979', '30581377', { ...portal, 'x-request-id': 'req-del-1' });
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      await expect(list('hiran.mistry@nhs.net').then((r) => r.json().items)).resolves.toEqual([]);

      const events = await eventsAbout('hiran.mistry@nhs.net');
      // Every list is a read of personal data: one PERSONAL_DATA_READ each, with the rows it answered.
      const reads = events.filter((e) => e.type === 'PERSONAL_DATA_READ');
      expect(reads.map((e) => [e.actor, e.apiKeyId, e.details?.rows])).toEqual([
        ['lsa.user@nhs.net', 'portal1', 0],
        ['lsa.user@nhs.net', 'portal1', 0],
        ['lsa.user@nhs.net', 'portal1', 1],
        ['lsa.user@nhs.net', 'portal1', 0],
      ]);
      expect(events.filter((e) => e.type !== 'PERSONAL_DATA_READ')).toEqual([
        expect.objectContaining({
          type: 'MAPPING_CREATED',
          actor: 'lsa.user@nhs.net',
          apiKeyId: 'portal1',
          callerRequestId: 'req-add-1',
          vpd: '979',
          employeeNumber: '30581377',
        }),
        expect.objectContaining({
          type: 'MAPPING_DELETED',
          actor: 'lsa.user@nhs.net',
          apiKeyId: 'portal1',
          callerRequestId: 'req-del-1',
          vpd: '979',
          employeeNumber: '30581377',
        }),
      ]);
    });

    it('should answer 404 NOT_FOUND deleting a mapping that does not exist, or belongs to someone else', async () => {
      expect((await add('owner.a', { vpd: '979', employeeNumber: '40000002' })).statusCode).toBe(201);
      const other = await remove('owner.b', '979', '40000002');
      expect(other.statusCode).toBe(404);
      expect(other.json()).toMatchObject({ error: 'NOT_FOUND', message: expect.stringContaining('40000002') });
      expect((await remove('owner.a', '979', '49999999')).statusCode).toBe(404);
      await expect(mappingsOf('owner.a')).resolves.toEqual(['979/40000002']);
    });

    it('should answer 409 MAPPING_EXISTS for the same row again', async () => {
      expect((await add('dup.user', { vpd: '979', employeeNumber: '40000003' })).statusCode).toBe(201);
      const again = await add('dup.user', { vpd: '979', employeeNumber: '40000003' });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ error: 'MAPPING_EXISTS' });
      expect(await eventsAbout('dup.user')).toHaveLength(1);
    });

    it('should answer 409 ESR_RECORD_MAPPED_TO_OTHER_USER when the record belongs to another user', async () => {
      expect((await add('first.user', { vpd: '979', employeeNumber: '40000004' })).statusCode).toBe(201);
      const taken = await add('second.user', { vpd: '979', employeeNumber: '40000004' });
      expect(taken.statusCode).toBe(409);
      expect(taken.json()).toMatchObject({ error: 'ESR_RECORD_MAPPED_TO_OTHER_USER' });
      expect(taken.json().message).not.toContain('first.user');
      await expect(mappingsOf('second.user')).resolves.toEqual([]);
    });

    it('should let exactly one of many concurrent claims of one record win (unique index), the rest 409', async () => {
      const users = Array.from({ length: 8 }, (_, i) => `racer.${i}`);
      const results = await Promise.all(users.map((u) => add(u, { vpd: '979', employeeNumber: '40000005' })));
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json().error).toBe('ESR_RECORD_MAPPED_TO_OTHER_USER');
      await expect(db.getRepository(EsrMapping).count({ where: { employeeNumber: '40000005' } })).resolves.toBe(1);
      await expect(db.getRepository(AuditEvent).count({ where: { employeeNumber: '40000005' } })).resolves.toBe(1);

      const same = await Promise.all(Array.from({ length: 5 }, () => add('racer.same', { vpd: '979', employeeNumber: '40000006' })));
      expect(same.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
      for (const r of same.filter((x) => x.statusCode === 409)) expect(r.json().error).toBe('MAPPING_EXISTS');
    });

    it('should translate the PostgreSQL unique violation of a writer whose check missed the row', async () => {
      expect((await add('pg.owner', { vpd: '979', employeeNumber: '40000007' })).statusCode).toBe(201);
      const { EntityManager } = await import('typeorm');
      jest.spyOn(EntityManager.prototype, 'findOne').mockResolvedValueOnce(null);
      const res = await add('pg.other', { vpd: '979', employeeNumber: '40000007' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('ESR_RECORD_MAPPED_TO_OTHER_USER');
    });

    it('should write neither the mapping nor its audit event when the audit insert fails', async () => {
      const audit = t.app.get(AuditService);
      const original = audit.record.bind(audit);
      // A real failing INSERT inside the transaction: the type is longer than the column allows.
      jest.spyOn(audit, 'record').mockImplementation((event, manager) => original({ ...event, type: 'X'.repeat(60) as never }, manager));
      const res = await add('atomic.user', { vpd: '979', employeeNumber: '40000008' });
      expect(res.statusCode).toBe(500);
      await expect(mappingsOf('atomic.user')).resolves.toEqual([]);
      await expect(eventsAbout('atomic.user')).resolves.toEqual([]);
    });

    it('should keep the mapping when the audit insert of its deletion fails', async () => {
      expect((await add('atomic.delete', { vpd: '979', employeeNumber: '40000012' })).statusCode).toBe(201);
      const audit = t.app.get(AuditService);
      const original = audit.record.bind(audit);
      jest.spyOn(audit, 'record').mockImplementation((event, manager) => original({ ...event, type: 'X'.repeat(60) as never }, manager));
      expect((await remove('atomic.delete', '979', '40000012')).statusCode).toBe(500);
      await expect(mappingsOf('atomic.delete')).resolves.toEqual(['979/40000012']);
      expect((await eventsAbout('atomic.delete')).map((e) => e.type)).toEqual(['MAPPING_CREATED']);
    });

    it('should cap the mappings of one user with a clear 422', async () => {
      await db.getRepository(EsrMapping).insert(
        Array.from({ length: 50 }, (_, i) => ({
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          portalUserId: 'capped.user',
          vpd: String(500 + i), // one person per VPD per account
          employeeNumber: String(50_000_000 + i),
          createdAt: new Date(),
          createdBy: 'seed',
        })),
      );
      const res = await add('capped.user', { vpd: '979', employeeNumber: '40000009' });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({
        error: 'VALIDATION_FAILED',
        message: expect.stringContaining('maximum of 50'),
        details: [{ field: 'portalUserId' }],
      });
    });
  });

  describe('validation', () => {
    it.each([
      [{ employeeNumber: '30581377' }, ['vpd']],
      [{ vpd: '979' }, ['employeeNumber']],
      [{ vpd: '', employeeNumber: '30581377' }, ['vpd']],
      [{ vpd: '979', employeeNumber: '' }, ['employeeNumber']],
      [{ vpd: ' ', employeeNumber: null }, ['employeeNumber', 'vpd']],
      [{}, ['employeeNumber', 'vpd']],
      [{ vpd: '', employeeNumber: '12', surname: 'x' }, ['vpd']],
    ])('should answer 422 with exactly the Manage User message for %p', async (payload, fields) => {
      const res = await add('valid.user', payload);
      expect(res.statusCode).toBe(422);
      const body = res.json();
      expect(body.error).toBe('VALIDATION_FAILED');
      expect(body.message).toBe(MISSING);
      expect(body.details.map((d: { field: string }) => d.field)).toEqual(fields);
    });

    it.each([
      [{ vpd: '97', employeeNumber: '30581377' }, 'vpd'],
      [{ vpd: '9790', employeeNumber: '30581377' }, 'vpd'],
      [{ vpd: 'abc', employeeNumber: '30581377' }, 'vpd'],
      [{ vpd: 979, employeeNumber: '30581377' }, 'vpd'],
      [{ vpd: '979', employeeNumber: '3058137' }, 'employeeNumber'],
      [{ vpd: '979', employeeNumber: '3058137X' }, 'employeeNumber'],
      [{ vpd: '979', employeeNumber: 30581377 }, 'employeeNumber'],
      [{ vpd: '979', employeeNumber: '30581377', portalUserId: 'x' }, 'portalUserId'],
    ])('should answer 422 naming the field for %p', async (payload, field) => {
      const res = await add('valid.user', payload);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field }] });
      expect(res.json().message).toContain(field);
    });

    it('should answer 422 for a body that is not a JSON object', async () => {
      const res = await inject({
        method: 'POST',
        url: '/v1/users/valid.user/esr-mappings',
        headers: { ...portal, 'content-type': 'application/json' },
        payload: '[]',
      });
      expect(res.statusCode).toBe(422);
      const bad = await inject({
        method: 'POST',
        url: '/v1/users/valid.user/esr-mappings',
        headers: { ...portal, 'content-type': 'application/json' },
        payload: '{"vpd":',
      });
      expect(bad.statusCode).toBe(422);
      await expect(mappingsOf('valid.user')).resolves.toEqual([]);
    });

    it.each([
      ['GET', '/v1/users/bad%20user/esr-mappings', 'portalUserId'],
      ['POST', '/v1/users/bad!user/esr-mappings', 'portalUserId'],
      ['DELETE', '/v1/users/u1/esr-mappings/97/30581377', 'vpd'],
      ['DELETE', '/v1/users/u1/esr-mappings/979/3058137', 'employeeNumber'],
      ['DELETE', '/v1/users/u%2A/esr-mappings/979/30581377', 'portalUserId'],
    ])('should answer 422 naming the path parameter: %s %s', async (method, url, field) => {
      const res = await inject({
        method: method as 'GET',
        url,
        headers: portal,
        payload: method === 'POST' ? { vpd: '979', employeeNumber: '30581377' } : undefined,
      });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field }] });
    });

    it('should accept portal user ids of every allowed character', async () => {
      const res = await add('A.b_c-d@e.nhs.uk', { vpd: '979', employeeNumber: '40000011' });
      expect(res.statusCode).toBe(201);
      expect((await list('A.b_c-d@e.nhs.uk')).json().items).toHaveLength(1);
    });

    // Ids are URL-encoded in the path; routerOptions.maxParamLength (app.factory.ts) leaves room for 128.
    it('should accept a portal user id of 128 characters', async () => {
      const user = 'x'.repeat(128);
      const res = await add(user, { vpd: '979', employeeNumber: '40000010' });
      expect(res.statusCode).toBe(201);
    });

    it('should answer 422 naming portalUserId for an id of 129 characters', async () => {
      const res = await list('a'.repeat(129));
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'portalUserId' }] });
    });
  });

  describe('bulk import', () => {
    it('should write exactly the good rows of a mixed import, in one go, and report the rest', async () => {
      expect((await add('imp.owner', { vpd: '979', employeeNumber: '41000001' })).statusCode).toBe(201);
      expect((await add('imp.a', { vpd: '979', employeeNumber: '41000002' })).statusCode).toBe(201);
      const res = await importRows([
        { portalUserId: 'imp.a', vpd: '978', employeeNumber: '41000003' }, // 0 created
        { portalUserId: 'imp.a', vpd: '979', employeeNumber: '' }, // 1 missing
        { portalUserId: 'imp.b', vpd: '979', employeeNumber: '41000001' }, // 2 imp.owner has it
        { portalUserId: 'imp.a', vpd: '979', employeeNumber: '41000002' }, // 3 already there: skipped
        { portalUserId: 'imp.b', vpd: '97', employeeNumber: '41000004' }, // 4 bad vpd
        { portalUserId: 'imp.b', vpd: '123', employeeNumber: '41000004' }, // 5 created
        { portalUserId: 'bad user', vpd: '123', employeeNumber: '41000005' }, // 6 bad user id
        { portalUserId: 'imp.c', vpd: '978', employeeNumber: '41000003' }, // 7 row 0 has it
        { portalUserId: 'imp.b', vpd: '123', employeeNumber: '41000004' }, // 8 repeat of row 5: skipped
        { portalUserId: 'imp.b', vpd: '123', employeeNumber: '41000006', extra: true }, // 9 unknown field
        42, // 10
      ]);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.created).toBe(2);
      expect(body.skipped).toBe(2);
      expect(body.errors.map((e: { index: number; error: string }) => [e.index, e.error])).toEqual([
        [1, 'VALIDATION_FAILED'],
        [2, 'ESR_RECORD_MAPPED_TO_OTHER_USER'],
        [4, 'VALIDATION_FAILED'],
        [6, 'VALIDATION_FAILED'],
        [7, 'ESR_RECORD_MAPPED_TO_OTHER_USER'],
        [9, 'VALIDATION_FAILED'],
        [10, 'VALIDATION_FAILED'],
      ]);
      expect(body.errors[0]).toMatchObject({ message: MISSING });
      expect(body.errors[2]).toMatchObject({ details: [{ field: 'vpd' }] });
      await expect(mappingsOf('imp.a')).resolves.toEqual(['978/41000003', '979/41000002']);
      await expect(mappingsOf('imp.b')).resolves.toEqual(['123/41000004']);
      await expect(mappingsOf('imp.c')).resolves.toEqual([]);
      await expect(mappingsOf('bad user')).resolves.toEqual([]);
      const events = await db
        .getRepository(AuditEvent)
        .find({ where: { type: 'MAPPING_CREATED', requestId: res.headers['x-request-id'] as string } });
      expect(events.map((e) => `${e.subjectUserId}:${e.employeeNumber}:${e.actor}`).sort()).toEqual([
        'imp.a:41000003:lsa.user@nhs.net',
        'imp.b:41000004:lsa.user@nhs.net',
      ]);
    });

    it('should take 1,000 rows of 128-character ids (over 64 KiB) and refuse 1,001 with 422, writing nothing', async () => {
      const rows = (n: number, prefix: number) =>
        Array.from({ length: n }, (_, i) => ({
          portalUserId: `b${i}`.padEnd(128, 'x'), // one person per VPD per account
          vpd: '777',
          employeeNumber: String(prefix + i),
        }));
      expect(JSON.stringify({ items: rows(1000, 61_000_000) }).length).toBeGreaterThan(64 * 1024);
      const tooMany = await importRows(rows(1001, 60_000_000));
      expect(tooMany.statusCode).toBe(422);
      expect(tooMany.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'items' }] });
      await expect(db.getRepository(EsrMapping).count({ where: { vpd: '777' } })).resolves.toBe(0);

      const full = await importRows(rows(1000, 61_000_000));
      expect(full.statusCode).toBe(200);
      // ESR is not reached here: every row is saved unverified in a VPD never synced, so every row is warned about.
      expect(full.json()).toMatchObject({ created: 1000, skipped: 0, unverified: 1000, errors: [] });
      expect(full.json<{ warnings: unknown[] }>().warnings).toEqual(
        Array.from({ length: 1000 }, (_, index) => expect.objectContaining({ index, state: 'NOT_SYNCED', verified: false })),
      );
      const again = await importRows(rows(1000, 61_000_000));
      expect(again.json()).toEqual({ created: 0, skipped: 1000, unverified: 0, errors: [], warnings: [] });
      await expect(db.getRepository(EsrMapping).count({ where: { vpd: '777' } })).resolves.toBe(1000);
    }, 60_000);

    it('should give each record to exactly one of two concurrent imports claiming it for different users', async () => {
      const rows = (user: string) =>
        Array.from({ length: 20 }, (_, i) => ({ portalUserId: `${user}.${i}`, vpd: '888', employeeNumber: String(62_000_000 + i) }));
      const [a, b] = await Promise.all([importRows(rows('race.imp.a')), importRows(rows('race.imp.b'))]);
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      const results = [a.json(), b.json()];
      expect(results.map((r) => r.created).sort()).toEqual([0, 20]);
      const loser = results.find((r) => r.created === 0);
      expect(loser.errors).toHaveLength(20);
      expect(loser.errors.every((e: { error: string }) => e.error === 'ESR_RECORD_MAPPED_TO_OTHER_USER')).toBe(true);
      await expect(db.getRepository(EsrMapping).count({ where: { vpd: '888' } })).resolves.toBe(20);
      await expect(db.getRepository(AuditEvent).count({ where: { vpd: '888' } })).resolves.toBe(20);
    });

    it('should refuse an import body over 1 MiB with 413, and keep 64 KiB on the other routes', async () => {
      const huge = await importRows([{ portalUserId: 'u', vpd: '979', employeeNumber: '41000098', pad: 'x'.repeat(1024 * 1024) }]);
      expect(huge.statusCode).toBe(413);
      expect(huge.json()).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
      const big = await add('u', { vpd: '979', employeeNumber: '41000098', pad: 'x'.repeat(70 * 1024) });
      expect(big.statusCode).toBe(413);
    });

    it('should refuse a body that is not { items: [...] } with 422', async () => {
      for (const payload of [
        {},
        { items: 'x' },
        { items: [] },
        { items: [{ portalUserId: 'u', vpd: '979', employeeNumber: '41000099' }], extra: 1 },
      ]) {
        const res = await inject({ method: 'POST', url: '/v1/esr-mappings/import', headers: portal, payload });
        expect(res.statusCode).toBe(422);
        expect(res.json().error).toBe('VALIDATION_FAILED');
      }
      await expect(mappingsOf('u')).resolves.toEqual([]);
    });
  });
});

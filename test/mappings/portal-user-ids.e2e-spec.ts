import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { FakeClock } from '../../src/common/clock/clock';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { EsrMapping } from '../../src/database/esr-mapping.entity';
import { RedisKeySpace, taggedPrefix } from '../../src/role-store/redis-keys';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { PORTAL_KEY, REDIS_URL, startTestApp, TestApp } from '../support/test-env';

const as = (actingUser: string) => ({ authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': actingUser });
const LSA = as('LSA.One@Trust.NHS.uk');

/**
 * Portal user ids are case-insensitive (gateway-api.md, Identifiers): every edge turns them into one
 * lower-case form, so the self-mapping guard, lookups, batch, import and the audit see one user.
 * Real PostgreSQL and Redis, the ESR sandbox on the gateway's FakeClock.
 */
describe('Portal user ids, case-insensitive (PostgreSQL, Redis, ESR sandbox)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;
  let db: DataSource;
  let redis: Redis;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_MAX_ATTEMPTS: '1', ESR_VPDS: '979' }, clock);
    db = t.app.get(DataSource);
    redis = new Redis(REDIS_URL);
    expect(await t.app.get(RunCoordinator).runSync({ mode: 'full', vpd: '979' })).toMatchObject({ status: 'succeeded' });
  });

  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
    await sandbox?.close();
  });

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);
  const add = (user: string, employeeNumber: string, headers = LSA) =>
    inject({ method: 'POST', url: `/v1/users/${user}/esr-mappings`, headers, payload: { vpd: '979', employeeNumber } });
  const access = (user: string) => inject({ method: 'GET', url: `/v1/users/${user}/esr-access`, headers: LSA });
  const stored = (employeeNumber: string) => db.getRepository(EsrMapping).findOneBy({ vpd: '979', employeeNumber });

  it('should refuse a self-mapping whatever the case of the path or of X-Acting-User (403 FORBIDDEN), writing nothing', async () => {
    const person = sandbox.admin.findRoleHolder('979', 1);
    for (const [path, actingUser] of [
      ['LSA.Two@trust.nhs.uk', 'lsa.two@trust.nhs.uk'],
      ['lsa.two@trust.nhs.uk', 'LSA.TWO@TRUST.NHS.UK'],
    ]) {
      const res = await add(path, person.employeeNumber, as(actingUser));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: 'FORBIDDEN', message: expect.stringContaining('separation of duties') });
    }
    await expect(stored(person.employeeNumber)).resolves.toBeNull();
  });

  it('should store and answer the lower-case form, and find the mapping under any case', async () => {
    const person = sandbox.admin.fixture('established');
    const saved = await add('Hiran.Mistry@trust.nhs.uk', person.employeeNumber);
    expect(saved.statusCode).toBe(201);
    expect(saved.json()).toMatchObject({ portalUserId: 'hiran.mistry@trust.nhs.uk', createdBy: 'lsa.one@trust.nhs.uk' });
    await expect(stored(person.employeeNumber)).resolves.toMatchObject({
      portalUserId: 'hiran.mistry@trust.nhs.uk',
      createdBy: 'lsa.one@trust.nhs.uk',
    });

    for (const user of ['Hiran.Mistry@trust.nhs.uk', 'hiran.mistry@trust.nhs.uk', 'HIRAN.MISTRY@TRUST.NHS.UK']) {
      const res = await access(user);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        portalUserId: 'hiran.mistry@trust.nhs.uk',
        searchEnabled: true,
        mappings: [{ employeeNumber: person.employeeNumber, state: 'ACTIVE' }],
      });
    }
    const list = await inject({ method: 'GET', url: '/v1/users/HIRAN.Mistry@trust.nhs.uk/esr-mappings', headers: LSA });
    expect(list.json()).toMatchObject({ portalUserId: 'hiran.mistry@trust.nhs.uk', items: [{ employeeNumber: person.employeeNumber }] });

    const audit = await db
      .getRepository(AuditEvent)
      .findOneByOrFail({ type: 'MAPPING_CREATED', subjectUserId: 'hiran.mistry@trust.nhs.uk' });
    expect(audit.actor).toBe('lsa.one@trust.nhs.uk');
  });

  it('should answer the batch in the lower-case form, and treat two cases of one id as a repeat', async () => {
    const batch = (portalUserIds: string[]) =>
      inject({ method: 'POST', url: '/v1/esr-access/batch', headers: LSA, payload: { portalUserIds } });
    const res = await batch(['HIRAN.MISTRY@trust.nhs.uk', 'Nobody@trust.nhs.uk']);
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((i: { portalUserId: string; searchEnabled: boolean }) => [i.portalUserId, i.searchEnabled])).toEqual([
      ['hiran.mistry@trust.nhs.uk', true],
      ['nobody@trust.nhs.uk', false],
    ]);
    const repeated = await batch(['Hiran.Mistry@trust.nhs.uk', 'hiran.mistry@trust.nhs.uk']);
    expect(repeated.statusCode).toBe(422);
    expect(repeated.json().message).toContain('must not repeat an id');
  });

  it('should import rows in the lower-case form: the same user in another case is the same mapping, not another user', async () => {
    const holder = sandbox.admin.findRoleHolder('979', 6);
    const res = await inject({
      method: 'POST',
      url: '/v1/esr-mappings/import',
      headers: LSA,
      payload: {
        items: [
          { portalUserId: 'Imported.User@trust.nhs.uk', vpd: '979', employeeNumber: holder.employeeNumber },
          { portalUserId: 'IMPORTED.USER@trust.nhs.uk', vpd: '979', employeeNumber: holder.employeeNumber },
          { portalUserId: 'lsa.one@trust.nhs.uk', vpd: '979', employeeNumber: sandbox.admin.findRoleHolder('979', 7).employeeNumber },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ created: 1, skipped: 1, errors: [{ index: 2, error: 'FORBIDDEN' }] });
    await expect(stored(holder.employeeNumber)).resolves.toMatchObject({ portalUserId: 'imported.user@trust.nhs.uk' });
  });

  it('should delete under any case', async () => {
    const holder = sandbox.admin.findRoleHolder('979', 6);
    const res = await inject({
      method: 'DELETE',
      url: `/v1/users/Imported.USER@trust.nhs.uk/esr-mappings/979/${holder.employeeNumber}`,
      headers: LSA,
    });
    expect(res.statusCode).toBe(204);
    await expect(stored(holder.employeeNumber)).resolves.toBeNull();
  });

  it('should never answer from a mirror entry kept under another case or under the mirror keys of before the migration', async () => {
    // What a gateway comparing ids by case could have cached: "no mappings" for these ids.
    const keys = new RedisKeySpace(t.redisPrefix);
    await redis.hset(keys.mirrorEntry('Hiran.Mistry@trust.nhs.uk'), { rows: '[]', v: '1' });
    await redis.hset(`${taggedPrefix(t.redisPrefix)}map:u:hiran.mistry@trust.nhs.uk`, { rows: '[]', v: '1' });
    await redis.del(keys.mirrorEntry('hiran.mistry@trust.nhs.uk'));
    for (const user of ['Hiran.Mistry@trust.nhs.uk', 'hiran.mistry@trust.nhs.uk'])
      expect((await access(user)).json()).toMatchObject({ searchEnabled: true, mappings: [{ state: 'ACTIVE' }] });
  });
});

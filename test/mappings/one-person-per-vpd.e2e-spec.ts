import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { FakeClock } from '../../src/common/clock/clock';
import { validateEnvironment } from '../../src/config/env.schema';
import { DatabaseSettings } from '../../src/config/settings/database.settings';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { EsrMapping } from '../../src/database/esr-mapping.entity';
import { MIGRATIONS } from '../../src/database/migrations';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { createTestDatabase, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';
import { TEST_SECRETS_ENV } from '../support/test-secrets';

const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@trust.nhs.uk' };

/** One ESR record per portal account per VPD: the API, the import and the database (PostgreSQL, Redis, ESR sandbox). */
describe('One person per VPD per portal account', () => {
  const clock = new FakeClock(Date.parse('2026-12-07T10:12:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;
  let second: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    second = sandbox.admin.vpds().find((v) => v.vpd !== '979')!.vpd;
    t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_MAX_ATTEMPTS: '1', ESR_VPDS: `979,${second}` }, clock);
  });

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  const add = (user: string, vpd: string, employeeNumber: string) =>
    t.app.inject({ method: 'POST', url: `/v1/users/${user}/esr-mappings`, headers: portal, payload: { vpd, employeeNumber } });
  const importRows = (items: unknown[]) =>
    t.app.inject({ method: 'POST', url: '/v1/esr-mappings/import', headers: portal, payload: { items } });
  const mappingsOf = async (user: string) =>
    (
      await t.app
        .get(DataSource)
        .getRepository(EsrMapping)
        .find({ where: { portalUserId: user } })
    )
      .map((m) => `${m.vpd}/${m.employeeNumber}`)
      .sort();

  it('should refuse a second person in one VPD with 409 ESR_USER_ALREADY_MAPPED_IN_VPD naming the first, and allow another VPD', async () => {
    const first = sandbox.admin.fixture('established');
    const other = sandbox.admin.findPersonWithoutRole('979', 1);
    expect((await add('jordan', '979', first.employeeNumber)).statusCode).toBe(201);
    const res = await add('jordan', '979', other.employeeNumber);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      error: 'ESR_USER_ALREADY_MAPPED_IN_VPD',
      message: `Portal user jordan is already mapped to VPD 979 employee number ${first.employeeNumber} (Mr Jordan Ashworth); one portal account maps to one person per VPD: delete that mapping first if it is wrong.`,
      details: [{ field: 'employeeNumber', message: `already mapped to employee number ${first.employeeNumber} in VPD 979` }],
    });
    expect((await add('jordan', '979', first.employeeNumber)).json().error).toBe('MAPPING_EXISTS');
    expect((await add('jordan', second, sandbox.admin.findRoleHolder(second, 0).employeeNumber)).statusCode).toBe(201);
    await expect(mappingsOf('jordan')).resolves.toHaveLength(2);
  });

  it('should refuse import rows likewise, against the database and against earlier rows of the import', async () => {
    const [a, b, c] = [2, 3, 4].map((n) => sandbox.admin.findPersonWithoutRole('979', n).employeeNumber);
    expect((await add('imp.sam', '979', a)).statusCode).toBe(201);
    const res = await importRows([
      { portalUserId: 'imp.sam', vpd: '979', employeeNumber: b }, // 0: sam has a
      { portalUserId: 'imp.alex', vpd: '979', employeeNumber: b }, // 1 created
      { portalUserId: 'imp.alex', vpd: '979', employeeNumber: c }, // 2: row 1 gave alex b
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      created: 1,
      errors: [
        {
          index: 0,
          error: 'ESR_USER_ALREADY_MAPPED_IN_VPD',
          message: expect.stringContaining(`already mapped to VPD 979 employee number ${a}`),
          details: [{ field: 'employeeNumber', message: `already mapped to employee number ${a} in VPD 979` }],
        },
        {
          index: 2,
          error: 'ESR_USER_ALREADY_MAPPED_IN_VPD',
          message: expect.stringContaining(`employee number ${b} by row 1 of this import`),
        },
      ],
    });
    await expect(mappingsOf('imp.alex')).resolves.toEqual([`979/${b}`]);
  });

  it('should enforce it in the database too (uq_esr_mappings_user_vpd)', async () => {
    const repo = t.app.get(DataSource).getRepository(EsrMapping);
    const row = { portalUserId: 'direct.writer', vpd: '979', createdAt: new Date(), createdBy: 'x' };
    await repo.insert({ id: '00000000-0000-4000-8000-000000000001', ...row, employeeNumber: '70000001' });
    await expect(repo.insert({ id: '00000000-0000-4000-8000-000000000002', ...row, employeeNumber: '70000002' })).rejects.toThrow(
      /uq_esr_mappings_user_vpd/,
    );
  });
});

const databaseOf = (env: Record<string, string>) =>
  new DatabaseSettings(validateEnvironment({ ...TEST_SECRETS_ENV, ESR_BASE_URL: 'https://esr.example.nhs.uk/api', ...env }));

/** Runs the migrations before this one, writes a portal user mapped twice in one VPD, then runs this issue's migration. */
async function migrateWithDuplicates(dataSource: DataSource): Promise<void> {
  await dataSource.initialize();
  try {
    const at = MIGRATIONS.findIndex((m) => m.name === 'OnePersonPerVpd1765200000000');
    const before = MIGRATIONS.slice(0, at).map((m) => new m());
    const runner = dataSource.createQueryRunner();
    try {
      for (const migration of before) await migration.up(runner);
      const insert = (id: string, user: string, vpd: string, employeeNumber: string) =>
        runner.query(
          `INSERT INTO esr_mappings (id, portal_user_id, vpd, employee_number, created_at, created_by) VALUES (${[
            id,
            user,
            vpd,
            employeeNumber,
          ]
            .map((v) => `'${v}'`)
            .join(', ')}, CURRENT_TIMESTAMP, 'seed')`,
        );
      await insert('00000000-0000-4000-8000-000000000001', 'jordan', '979', '30581377');
      await insert('00000000-0000-4000-8000-000000000002', 'jordan', '979', '33756193');
      await insert('00000000-0000-4000-8000-000000000003', 'jordan', '980', '33756193');
      const last = new MIGRATIONS[at]();
      const error = await last.up(runner).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain('1 portal user(s) are mapped to more than one ESR record in one VPD');
      expect((error as Error).message).toContain('- VPD 979: employee numbers 30581377, 33756193');
      expect((error as Error).message).not.toContain('jordan');
      await runner.query(`DELETE FROM esr_mappings WHERE employee_number = '33756193' AND vpd = '979'`);
      await last.up(runner);
      await expect(
        runner.query(
          `INSERT INTO esr_mappings (id, portal_user_id, vpd, employee_number, created_at, created_by) VALUES ('00000000-0000-4000-8000-000000000004', 'jordan', '979', '33756193', CURRENT_TIMESTAMP, 'seed')`,
        ),
      ).rejects.toThrow();
    } finally {
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}

describe('Migration OnePersonPerVpd1765200000000', () => {
  it('should stop on PostgreSQL naming the VPD and employee numbers of each portal user mapped twice, then run once they are resolved', async () => {
    const db = await createTestDatabase();
    try {
      await migrateWithDuplicates(new DataSource(buildDataSourceOptions(databaseOf({ DATABASE_URL: db.url }))));
    } finally {
      await db.drop();
    }
  }, 30_000);

  it('should do the same on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esr-gw-sqlite-'));
    try {
      await migrateWithDuplicates(
        new DataSource(buildDataSourceOptions(new DatabaseSettings(validateEnvironment({ SQLITE_PATH: join(dir, 'gw.sqlite') })))),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

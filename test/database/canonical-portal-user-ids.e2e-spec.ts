import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, QueryRunner } from 'typeorm';
import { validateEnvironment } from '../../src/config/env.schema';
import { DatabaseSettings } from '../../src/config/settings/database.settings';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { MIGRATIONS } from '../../src/database/migrations';
import {
  CanonicalPortalUserIds1765100000000,
  mergeWatchedMappings,
} from '../../src/database/migrations/1765100000000-canonical-portal-user-ids';
import { createTestDatabase } from '../support/test-env';
import { TEST_SECRETS_ENV } from '../support/test-secrets';

const HIRAN = 'Hiran.Mistry@trust.nhs.uk';
const hiran = 'hiran.mistry@trust.nhs.uk';
const T1 = '2026-12-01 10:00:00.000';
const T2 = '2026-12-02 10:00:00.000';

/** Runs the migrations before this one, seeds ids in mixed case, runs this one, and checks what it did. */
async function exercise(dataSource: DataSource): Promise<void> {
  const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(CanonicalPortalUserIds1765100000000));
  await dataSource.setOptions({ migrations: before }).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const runner = dataSource.createQueryRunner();
    try {
      const postgres = dataSource.options.type === 'postgres';
      await seed(runner, postgres);
      await runner.startTransaction();
      await new CanonicalPortalUserIds1765100000000().up(runner);
      await runner.commitTransaction();
      await expectCanonical(runner);
    } finally {
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}

async function seed(runner: QueryRunner, postgres: boolean): Promise<void> {
  const p = (n: number) => (postgres ? `$${n}` : '?');
  const bool = (value: boolean) => (postgres ? String(value) : value ? '1' : '0');
  const mapping = async (user: string, employeeNumber: string, createdBy: string, at: string) =>
    runner.query(
      `INSERT INTO esr_mappings (id, portal_user_id, vpd, employee_number, created_at, created_by) VALUES (${p(1)}, ${p(2)}, '979', ${p(3)}, ${p(4)}, ${p(5)})`,
      [randomUUID(), user, employeeNumber, at, createdBy],
    );
  await mapping(HIRAN, '30581377', 'LSA.One@trust.nhs.uk', T1);
  await mapping(hiran, '33756193', 'lsa.two@trust.nhs.uk', T2);
  const watch = async (user: string, enabled: boolean, mappings: object[], at: string) =>
    runner.query(
      `INSERT INTO access_watch (portal_user_id, search_enabled, mappings, next_check_at, updated_at) VALUES (${p(1)}, ${bool(enabled)}, ${p(2)}, NULL, ${p(3)})`,
      [user, JSON.stringify(mappings), at],
    );
  await watch(HIRAN, false, [{ vpd: '979', employeeNumber: '30581377', state: 'NO_ROLE' }], T1);
  await watch(hiran, true, [{ vpd: '979', employeeNumber: '33756193', state: 'ACTIVE' }], T2);
  await watch('Other.User@trust.nhs.uk', true, [], T1);
  const delivery = async (eventId: string, status: string) =>
    runner.query(
      `INSERT INTO webhook_deliveries (event_id, portal_user_id, payload, status, attempts, next_attempt_at, created_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 0, ${p(5)}, ${p(6)})`,
      [
        eventId,
        HIRAN,
        JSON.stringify({ id: eventId, type: 'esr-access.changed', portalUserId: HIRAN, searchEnabled: true }),
        status,
        T1,
        T1,
      ],
    );
  await delivery(randomUUID(), 'pending');
  await delivery(randomUUID(), 'delivered');
}

async function expectCanonical(runner: QueryRunner): Promise<void> {
  const mappings = (await runner.query(
    `SELECT portal_user_id, employee_number, created_by FROM esr_mappings ORDER BY employee_number`,
  )) as Array<Record<string, string>>;
  expect(mappings).toEqual([
    { portal_user_id: hiran, employee_number: '30581377', created_by: 'lsa.one@trust.nhs.uk' },
    { portal_user_id: hiran, employee_number: '33756193', created_by: 'lsa.two@trust.nhs.uk' },
  ]);
  const watches = (await runner.query(
    `SELECT portal_user_id, search_enabled, mappings, next_check_at FROM access_watch ORDER BY portal_user_id`,
  )) as Array<{ portal_user_id: string; search_enabled: boolean | number; mappings: string; next_check_at: unknown }>;
  expect(watches.map((w) => w.portal_user_id)).toEqual([hiran, 'other.user@trust.nhs.uk']);
  const merged = watches[0];
  expect(Boolean(merged.search_enabled)).toBe(true);
  expect(JSON.parse(merged.mappings)).toEqual([
    { vpd: '979', employeeNumber: '30581377', state: 'NO_ROLE' },
    { vpd: '979', employeeNumber: '33756193', state: 'ACTIVE' },
  ]);
  expect(merged.next_check_at).not.toBeNull(); // due at once: the monitor re-evaluates the merged user
  expect(watches[1].next_check_at).toBeNull();
  const deliveries = (await runner.query(`SELECT portal_user_id, status, payload FROM webhook_deliveries ORDER BY seq`)) as Array<
    Record<string, string>
  >;
  expect(deliveries.map((d) => [d.portal_user_id, d.status, (JSON.parse(d.payload) as { portalUserId: string }).portalUserId])).toEqual([
    [hiran, 'pending', hiran],
    [hiran, 'delivered', HIRAN], // as it was sent
  ]);
}

const database = (env: Record<string, string>) =>
  new DatabaseSettings(validateEnvironment({ ...TEST_SECRETS_ENV, ESR_BASE_URL: 'https://esr.example.nhs.uk/api', ...env }));

describe(CanonicalPortalUserIds1765100000000.name, () => {
  it('should lower-case the portal user ids of every table and merge one user written in two cases, on PostgreSQL', async () => {
    const db = await createTestDatabase();
    try {
      await exercise(new DataSource(buildDataSourceOptions(database({ DATABASE_URL: db.url }))));
    } finally {
      await db.drop();
    }
  }, 30_000);

  it('should do the same on SQLite (local mode)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esr-gw-sqlite-'));
    try {
      await exercise(
        new DataSource(buildDataSourceOptions(new DatabaseSettings(validateEnvironment({ SQLITE_PATH: join(dir, 'gw.sqlite') })))),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("should keep every record either row notified, the newer row's state where both name one", () => {
    expect(
      mergeWatchedMappings([
        { updatedAt: 2, mappings: [{ vpd: '979', employeeNumber: '1', state: 'ACTIVE' }] },
        {
          updatedAt: 1,
          mappings: [
            { vpd: '979', employeeNumber: '1', state: 'NO_ROLE' },
            { vpd: '979', employeeNumber: '2', state: 'PENDING_ACTIVATION' },
          ],
        },
      ]),
    ).toEqual([
      { vpd: '979', employeeNumber: '1', state: 'ACTIVE' },
      { vpd: '979', employeeNumber: '2', state: 'PENDING_ACTIVATION' },
    ]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { validateEnvironment } from '../../src/config/env.schema';
import { DatabaseSettings } from '../../src/config/settings/database.settings';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { MIGRATIONS } from '../../src/database/migrations';
import { createTestDatabase } from '../support/test-env';
import { TEST_SECRETS_ENV } from '../support/test-secrets';

const database = (env: Record<string, string>) =>
  new DatabaseSettings(validateEnvironment({ ...TEST_SECRETS_ENV, ESR_BASE_URL: 'https://esr.example.nhs.uk/api', ...env }));

async function exerciseMigrations(dataSource: DataSource): Promise<void> {
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => new m().name));
    const runner = dataSource.createQueryRunner();
    try {
      expect(await runner.hasTable('esr_mappings')).toBe(true);
      expect(await runner.hasTable('audit_events')).toBe(true);
      for (const table of ['webhook_deliveries', 'access_watch', 'access_vpd_marks']) expect(await runner.hasTable(table)).toBe(true);
      expect(await runner.hasColumn('esr_mappings', 'verified')).toBe(true);
    } finally {
      await runner.release();
    }
    await expect(dataSource.showMigrations()).resolves.toBe(false);
    for (let i = 0; i < MIGRATIONS.length; i += 1) await dataSource.undoLastMigration({ transaction: 'each' });
    const after = dataSource.createQueryRunner();
    try {
      expect(await after.hasTable('esr_mappings')).toBe(false);
    } finally {
      await after.release();
    }
    await expect(dataSource.runMigrations()).resolves.toHaveLength(MIGRATIONS.length);
  } finally {
    await dataSource.destroy();
  }
}

describe('Database migrations', () => {
  it('should run, revert and re-run every migration on an empty PostgreSQL database', async () => {
    const db = await createTestDatabase();
    try {
      await exerciseMigrations(new DataSource(buildDataSourceOptions(database({ DATABASE_URL: db.url }))));
    } finally {
      await db.drop();
    }
  }, 30_000);

  it('should run, revert and re-run every migration on an empty SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esr-gw-sqlite-'));
    try {
      await exerciseMigrations(
        new DataSource(buildDataSourceOptions(new DatabaseSettings(validateEnvironment({ SQLITE_PATH: join(dir, 'gw.sqlite') })))),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

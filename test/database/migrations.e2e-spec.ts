import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { validateEnvironment } from '../../src/config/env.schema';
import { DatabaseSettings } from '../../src/config/settings/database.settings';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { MIGRATIONS } from '../../src/database/migrations';
import { WebhookSequence1765400000000 } from '../../src/database/migrations/1765400000000-webhook-sequence';
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

/** Issue 21: outbox rows written before `sequence` existed get 1, 2, 3... per user, and unsent bodies carry it. */
async function exerciseSequenceBackfill(options: ReturnType<typeof buildDataSourceOptions>): Promise<void> {
  const before = new DataSource({ ...options, migrations: MIGRATIONS.filter((m) => m !== WebhookSequence1765400000000) });
  await before.initialize();
  const at = options.type === 'postgres' ? new Date('2026-12-01T10:00:00Z') : '2026-12-01 10:00:00.000';
  const rows = [
    ['a', 'delivered'],
    ['b', 'failed'],
    ['a', 'failed'],
    ['a', 'pending'],
  ].map(([user, status], i) => ({ event_id: `00000000-0000-0000-0000-00000000000${i}`, portal_user_id: user, status }));
  try {
    await before.runMigrations();
    const marks = options.type === 'postgres' ? ['$1', '$2', '$3', '$4', '$5', '$6'] : ['?', '?', '?', '?', '?', '?'];
    for (const row of rows)
      await before.query(
        `INSERT INTO webhook_deliveries (event_id, portal_user_id, status, payload, next_attempt_at, created_at) VALUES (${marks.join(', ')})`,
        [row.event_id, row.portal_user_id, row.status, JSON.stringify({ id: row.event_id }), at, at],
      );
  } finally {
    await before.destroy();
  }
  const after = new DataSource(options);
  await after.initialize();
  try {
    await expect(after.runMigrations()).resolves.toHaveLength(1);
    type Row = { portal_user_id: string; user_sequence: string | number; payload: string };
    const found = await after.query<Row[]>('SELECT portal_user_id, user_sequence, payload FROM webhook_deliveries ORDER BY seq');
    expect(found.map((r) => [r.portal_user_id, Number(r.user_sequence), JSON.parse(r.payload).sequence])).toEqual([
      ['a', 1, undefined], // delivered: its body as sent
      ['b', 1, 1],
      ['a', 2, 2],
      ['a', 3, 3],
    ]);
  } finally {
    await after.destroy();
  }
}

describe('Database migrations', () => {
  it('should number the outbox rows of each user when adding the event sequence (PostgreSQL and SQLite)', async () => {
    const db = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'esr-gw-sqlite-'));
    try {
      await exerciseSequenceBackfill(buildDataSourceOptions(database({ DATABASE_URL: db.url })));
      await exerciseSequenceBackfill(
        buildDataSourceOptions(new DatabaseSettings(validateEnvironment({ SQLITE_PATH: join(dir, 'gw.sqlite') }))),
      );
    } finally {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

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

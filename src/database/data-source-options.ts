import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { DatabaseSettings } from '../config/settings/database.settings';
import { entitiesFor } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM options for the configured database: PostgreSQL (DATABASE_URL) or the embedded SQLite
 * file. Schema changes only through migrations; `synchronize` is never on.
 */
export function buildDataSourceOptions(database: DatabaseSettings): DataSourceOptions {
  const db = database.connection;
  const common = { entities: entitiesFor(db.kind), migrations: MIGRATIONS, synchronize: false, migrationsTransactionMode: 'each' as const };
  if (db.kind === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: db.url,
      poolSize: db.poolSize,
      extra: { connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000, query_timeout: 15000, options: '-c timezone=UTC' },
    };
  }
  if (db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.path,
    prepareDatabase: (sqlite: { pragma(sql: string): unknown }) => {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('busy_timeout = 5000');
      sqlite.pragma('foreign_keys = ON');
    },
  };
}

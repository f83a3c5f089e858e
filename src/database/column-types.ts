/** The databases the service runs on: PostgreSQL in production, the embedded SQLite file by default. */
export type DatabaseKind = 'postgres' | 'sqlite';

/**
 * The column type of an instant on each database: `timestamptz` on PostgreSQL, `datetime` on SQLite
 * (which has no time-zone type; TypeORM stores UTC there). Entity schemas are built per database with
 * this, matching what the migrations create, so no shared TypeORM metadata is ever rewritten.
 */
export function instantColumnType(kind: DatabaseKind): 'timestamptz' | 'datetime' {
  return kind === 'postgres' ? 'timestamptz' : 'datetime';
}

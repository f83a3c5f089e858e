import { getMetadataArgsStorage } from 'typeorm';

/**
 * Entities declare instants as `timestamptz` (PostgreSQL). SQLite has no such type, so before a
 * SQLite DataSource is built the declared type is swapped for `datetime` (and back for
 * PostgreSQL), keeping one set of entity classes for both databases.
 */
export const TIMESTAMP = 'timestamptz' as const;

export function adaptColumnTypes(kind: 'postgres' | 'sqlite'): void {
  for (const column of getMetadataArgsStorage().columns) {
    const type = column.options.type;
    if (kind === 'sqlite' && type === 'timestamptz') column.options.type = 'datetime';
    if (kind === 'postgres' && type === 'datetime') column.options.type = 'timestamptz';
  }
}

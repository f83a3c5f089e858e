/**
 * Recognising database errors the mappings rely on, for both PostgreSQL (pg) and SQLite
 * (better-sqlite3), whether raw or wrapped in TypeORM's QueryFailedError.
 */
interface DriverErrorLike {
  code?: string | number;
  message?: string;
  driverError?: { code?: string | number; message?: string };
}

function codeAndMessage(error: unknown): { code: string; message: string } {
  const e = (error ?? {}) as DriverErrorLike;
  const code = String(e.driverError?.code ?? e.code ?? '');
  const message = String(e.driverError?.message ?? e.message ?? '');
  return { code, message };
}

/** A unique index refused the write (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(error: unknown): boolean {
  const { code, message } = codeAndMessage(error);
  if (code === '23505') return true;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  return code.startsWith('SQLITE_CONSTRAINT') && /UNIQUE constraint failed/i.test(message);
}

/** Worth running the transaction again: a deadlock or serialization failure (PostgreSQL), or SQLite busy. */
export function isTransientConflict(error: unknown): boolean {
  const { code } = codeAndMessage(error);
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY';
}

/** How often a write that lost a race (unique index, deadlock) is evaluated again before giving up. */
export const MAX_WRITE_ATTEMPTS = 3;

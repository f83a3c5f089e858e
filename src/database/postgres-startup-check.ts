import { Client } from 'pg';
import { errorDetail, errorParts, TlsFailure, tlsFailureOf } from '../common/tls/tls-failure';
import type { DatabaseSettings } from '../config/settings/database.settings';
import { StartupCheckError } from '../config/startup-check.errors';

const TLS_SENTENCES: Record<TlsFailure, string> = {
  untrusted: "PostgreSQL TLS verification failed: the server's certificate is not signed by DATABASE_URL's sslrootcert",
  hostname: "PostgreSQL TLS verification failed: the server's certificate does not name DATABASE_URL's host",
  expired: "PostgreSQL TLS verification failed: the server's certificate has expired or is not valid yet",
  'not-tls': "PostgreSQL TLS failed: the server does not speak TLS, but DATABASE_URL's sslmode requires it",
  handshake: "PostgreSQL TLS handshake failed: the server refused it (check DATABASE_URL's sslcert and sslkey)",
};

/**
 * The one sentence for a connection error that is a configuration mistake (TLS: a wrong CA, a
 * plaintext server where DATABASE_URL requires TLS, a TLS-only server reached without it; an unreadable
 * sslrootcert), or null for anything else (an unreachable server: TypeORM's retries then apply).
 */
export function postgresStartupFailure(error: unknown): string | null {
  const failure = tlsFailureOf(error);
  if (failure) return `${TLS_SENTENCES[failure]} (${errorDetail(error)}).`;
  const { message, code } = errorParts(error);
  if (/does not support SSL/i.test(message)) return `${TLS_SENTENCES['not-tls']} (${message}).`;
  if (code === '28000' && /no encryption/i.test(message))
    return 'PostgreSQL refused a connection without TLS: set sslmode=verify-full and sslrootcert=<CA file> in DATABASE_URL (28000).';
  if ((error as { syscall?: string }).syscall === 'open' && /^(ENOENT|EACCES|EISDIR)$/.test(code))
    return `DATABASE_URL's sslrootcert, sslcert or sslkey cannot be read (${errorDetail(error)}).`;
  return null;
}

/**
 * Connects once to PostgreSQL before the app is built (node-postgres, as TypeORM will): a TLS mistake
 * stops the start with one sentence (StartupCheckError) instead of retrying; other failures are left to
 * the DataSource. Nothing to check for the embedded SQLite file.
 */
export async function checkPostgresAtStartup(database: DatabaseSettings, timeoutMs = 5000): Promise<void> {
  if (database.connection.kind !== 'postgres') return;
  let client: Client | undefined;
  try {
    client = new Client({ connectionString: database.connection.url, connectionTimeoutMillis: timeoutMs });
    await client.connect();
  } catch (error) {
    const sentence = postgresStartupFailure(error);
    if (sentence) throw new StartupCheckError(sentence);
  } finally {
    await client?.end().catch(() => undefined);
  }
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, chmod, copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestCertificates } from './certificates';
import { freePort, isAlive, killQuietly, run, tempDir, Teardown, trackPid, waitUntil } from './processes';

export interface StartTlsPostgresOptions {
  certificates: TestCertificates;
}

export interface TlsPostgresUrlOptions {
  /** Default 'postgres'. */
  database?: string;
  /** Default 'verify-full'. */
  sslmode?: 'disable' | 'require' | 'verify-ca' | 'verify-full';
  /** The CA file put in `sslrootcert`. Default: the CA that signed the server certificate. */
  caFile?: string;
}

export interface TestTlsPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres?sslmode=verify-full&sslrootcert=CA (trust auth, TLS only). */
  url: string;
  /** The same server with another database, sslmode or CA file. */
  urlWith(options: TlsPostgresUrlOptions): string;
  /** The postmaster's pid. */
  pid: number;
  dataDir: string;
  /** `pg_ctl -m immediate stop`, SIGKILL if still there, removes the dir (idempotent). */
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin directory (Debian's /usr/lib/postgresql/<version>/bin). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql: run scripts/ensure-services.sh');
  return path.join(root, newest, 'bin');
}

const asPostgres = (command: string, args: string[]): Promise<string> => run('runuser', ['-u', 'postgres', '--', command, ...args]);

function serverConfig(port: number, dataDir: string): string {
  return [
    '',
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dataDir}'`,
    'ssl = on',
    "ssl_cert_file = 'server.crt'",
    "ssl_key_file = 'server.key'",
    'fsync = off',
    'max_connections = 40',
    'shared_buffers = 32MB',
    '',
  ].join('\n');
}

const HBA = ['local all all trust', 'hostssl all all 127.0.0.1/32 trust', 'hostnossl all all 127.0.0.1/32 reject', ''].join('\n');

/**
 * A private PostgreSQL that accepts TLS only (hostnossl rejected), trust auth for user postgres, on a
 * free 127.0.0.1 port in its own temp dir; initdb and pg_ctl run as the postgres user (runuser).
 */
export async function startTlsPostgres(options: StartTlsPostgresOptions): Promise<TestTlsPostgres> {
  const bin = postgresBinDir();
  const teardown = new Teardown();
  return teardown.guard(async () => {
    const [port, dir] = await Promise.all([freePort(), tempDir('pg')]);
    teardown.removeDirLater(dir);
    const dataDir = path.join(dir, 'data');
    await run('chown', ['postgres:postgres', dir]);
    await asPostgres(path.join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const { certificates } = options;
    await copyFile(certificates.server.certFile, path.join(dataDir, 'server.crt'));
    await copyFile(certificates.server.keyFile, path.join(dataDir, 'server.key'));
    await chmod(path.join(dataDir, 'server.key'), 0o600);
    await run('chown', ['postgres:postgres', path.join(dataDir, 'server.crt'), path.join(dataDir, 'server.key')]);
    await appendFile(path.join(dataDir, 'postgresql.conf'), serverConfig(port, dataDir));
    await writeFile(path.join(dataDir, 'pg_hba.conf'), HBA);

    const pidFile = path.join(dataDir, 'postmaster.pid');
    const postmasterPid = (): number | undefined =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) || undefined : undefined;
    teardown.add(async () => {
      const running = postmasterPid();
      if (running === undefined) return;
      await asPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop']).catch(() => undefined);
      if (isAlive(running)) killQuietly(running, 'SIGKILL');
      await waitUntil(`postmaster ${running} to exit`, () => !isAlive(running), 10_000);
    });
    const log = path.join(dataDir, 'server.log');
    await asPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', log, '-w', '-t', '30', 'start']).catch((error: Error) => {
      throw new Error(`${error.message}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    });
    const pid = postmasterPid();
    if (pid === undefined) throw new Error('PostgreSQL started without a postmaster.pid');
    teardown.add(trackPid(pid));

    const urlWith = ({
      database = 'postgres',
      sslmode = 'verify-full',
      caFile = certificates.ca.certFile,
    }: TlsPostgresUrlOptions): string => {
      const params = new URLSearchParams({ sslmode });
      if (sslmode !== 'disable') params.set('sslrootcert', caFile);
      return `postgres://postgres@127.0.0.1:${port}/${database}?${params.toString()}`;
    };
    return {
      port,
      url: urlWith({}),
      urlWith,
      pid,
      dataDir,
      stop: teardown.stop,
    };
  });
}

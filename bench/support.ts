import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const API_KEY = 'bench-key-0123456789';

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** Deletes every key under `prefix` (a benchmark's own keys). */
export async function unlinkPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export interface RunningGateway {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the built gateway (dist/main.js) in its own process on PostgreSQL + Redis (a fresh
 * database and key prefix) with the built-in ESR sandbox, so load from this process does not share
 * its event loop.
 */
export async function startGateway(extraEnv: Record<string, string> = {}): Promise<RunningGateway> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dbName = `esr_gw_bench_${suffix}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  const dbUrl = new URL(PG_ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const prefix = `esr-gw-bench:${suffix}:`;
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [resolve(__dirname, '../../dist/main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      API_KEYS: `bench:${API_KEY}:portal+ops`,
      AUDIT_HMAC_SECRET: 'bench-audit-secret-0123456789',
      LOG_LEVEL: 'warn',
      SYNC_ENABLED: 'false',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('gateway did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      await new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      });
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await c.end();
      const redis = new Redis(REDIS_URL);
      await unlinkPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

export async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-acting-user': 'bench.lsa', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 400) throw new Error(`${method} ${url} answered ${res.status}: ${await res.text()}`);
  return res;
}

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** A bounded autocannon run against a loopback URL. */
export async function load(
  name: string,
  opts: { url: string; method?: 'GET' | 'POST'; body?: unknown; durationSeconds?: number; connections?: number },
): Promise<LoadResult> {
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-acting-user': 'bench.hr' },
    connections: opts.connections ?? 50,
    duration: opts.durationSeconds ?? 8,
  });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

export function table(rows: LoadResult[], baseline: LoadResult): string {
  const lines = rows.map(
    (r) =>
      `${r.name.padEnd(48)} ${String(r.requestsPerSecond).padStart(7)} req/s  p50 ${String(r.p50Ms).padStart(4)} ms  p99 ${String(r.p99Ms).padStart(4)} ms  ` +
      `ratio ${(r.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}  errors ${r.errors + r.non2xx}`,
  );
  return lines.join('\n');
}

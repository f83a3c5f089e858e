import autocannon from 'autocannon';
import { ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { taggedPrefix } from '../src/role-store/redis-keys';
import { BenchRedis, sharedRedis } from './redis-topology';

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

/** Deletes every key under REDIS_KEY_PREFIX `prefix` (a benchmark's own keys, under the prefix's hash tag). */
export async function unlinkPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${taggedPrefix(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/**
 * Logging and tracing settings to compare (issue 23), chosen with BENCH_VARIANT (default: the bench's
 * own LOG_LEVEL=warn): `warn`; `all`, `errors`, `sample-0.1` (LOG_LEVEL=info with that REQUEST_LOG);
 * `trace-100` and `trace-10` (LOG_LEVEL=info, REQUEST_LOG=all, the OpenTelemetry SDK loaded with
 * --import, spans exported as OTLP/HTTP protobuf to a sink in this process, sampled at 100% or 10%).
 */
const VARIANTS: Record<string, { env: Record<string, string>; tracing?: string }> = {
  warn: { env: { LOG_LEVEL: 'warn' } },
  all: { env: { LOG_LEVEL: 'info', REQUEST_LOG: 'all' } },
  errors: { env: { LOG_LEVEL: 'info', REQUEST_LOG: 'errors' } },
  'sample-0.1': { env: { LOG_LEVEL: 'info', REQUEST_LOG: '0.1' } },
  'trace-100': { env: { LOG_LEVEL: 'info', REQUEST_LOG: 'all' }, tracing: '1' },
  'trace-10': { env: { LOG_LEVEL: 'info', REQUEST_LOG: 'all' }, tracing: '0.1' },
};

let sinkUrl: Promise<string> | undefined;

/** An OTLP/HTTP receiver that reads and drops every export (started once, on first use). */
function otlpSink(): Promise<string> {
  sinkUrl ??= new Promise((ok) => {
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    server.listen(0, '127.0.0.1', () => {
      ok(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
      server.unref();
    });
  });
  return sinkUrl;
}

/** The environment and node arguments of BENCH_VARIANT (none when unset). */
export async function benchVariant(): Promise<{ name: string; env: Record<string, string>; nodeArgs: string[] }> {
  const name = process.env.BENCH_VARIANT ?? '';
  if (!name) return { name: 'warn', env: {}, nodeArgs: [] };
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`BENCH_VARIANT must be one of ${Object.keys(VARIANTS).join(', ')}`);
  if (!variant.tracing) return { name, env: variant.env, nodeArgs: [] };
  const tracingEnv = {
    OTEL_EXPORTER_OTLP_ENDPOINT: await otlpSink(),
    OTEL_SERVICE_NAME: 'esr-gateway-bench',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: variant.tracing,
  };
  return {
    name,
    env: { ...variant.env, ...tracingEnv },
    nodeArgs: ['--import', resolve(__dirname, '../../dist/common/tracing/register.js')],
  };
}

export interface RunningGateway {
  url: string;
  pid: number;
  /** Milliseconds from spawning the process to the first 200 from /health/ready. */
  readyMs: number;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** The embedded default: SQLite (a temporary file) and the in-process cache instead of PostgreSQL + Redis. */
  embedded?: boolean;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=prof']. */
  nodeArgs?: string[];
  /** The Redis of a PostgreSQL + Redis gateway (bench/redis-topology.ts); default the shared one at BENCH_REDIS_URL. */
  redis?: BenchRedis;
}

/**
 * Starts the built gateway (dist/main.js) in its own process, so load from this process does not
 * share its event loop: on PostgreSQL + Redis (a fresh database and key prefix; the Redis of
 * `options.redis`), or the embedded default; with the built-in ESR sandbox unless ESR_BASE_URL is passed.
 */
export async function startGateway(extraEnv: Record<string, string> = {}, options: GatewayOptions = {}): Promise<RunningGateway> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dbName = `esr_gw_bench_${suffix}`;
  const prefix = `esr-gw-bench:${suffix}:`;
  const dataDir = options.embedded ? mkdtempSync(join(tmpdir(), 'esr-gw-bench-')) : '';
  const redis = options.redis ?? sharedRedis();
  let stores: Record<string, string>;
  if (options.embedded) {
    // The embedded stores (SQLite file, in-process store); with ESR_BASE_URL set this is not local mode,
    // so the keys it then requires are given too.
    stores = {
      SQLITE_PATH: join(dataDir, 'gateway.sqlite'),
      API_KEYS: `bench:${API_KEY}:portal+ops`,
      AUDIT_HMAC_SECRET: 'bench-audit-secret-0123456789',
    };
  } else {
    const admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    const dbUrl = new URL(PG_ADMIN_URL);
    dbUrl.pathname = `/${dbName}`;
    stores = {
      DATABASE_URL: dbUrl.toString(),
      ...redis.gatewayEnv,
      REDIS_KEY_PREFIX: prefix,
      API_KEYS: `bench:${API_KEY}:portal+ops`,
      AUDIT_HMAC_SECRET: 'bench-audit-secret-0123456789',
    };
  }
  const port = await freePort();
  const variant = await benchVariant();
  const started = performance.now();
  const nodeArgs = [...variant.nodeArgs, ...(options.nodeArgs ?? [])];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, resolve(__dirname, '../../dist/main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SYNC_ENABLED: 'false',
      // One bench key sends far more than a portal key's abuse budget allows; the budget guard still
      // runs (and counts) on every request, it just never refuses here.
      API_RATE_LIMIT_PER_MINUTE: '10000000',
      SEARCH_KEY_RATE_LIMIT_PER_MINUTE: '100000',
      LOOKUP_KEY_RATE_LIMIT_PER_MINUTE: '100000',
      // The bench's ESR sandbox speaks plain http on 127.0.0.1 with its own client secret.
      ALLOW_INSECURE_HTTP: 'true',
      ...stores,
      ...extraEnv,
      ...variant.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('gateway did not become ready');
    await new Promise((r) => setTimeout(r, 10));
  }
  const readyMs = performance.now() - started;
  return {
    url,
    pid: child.pid ?? 0,
    readyMs,
    stop: async () => {
      await new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      });
      if (options.embedded) {
        rmSync(dataDir, { recursive: true, force: true });
        return;
      }
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await c.end();
      await redis.unlinkPrefix(prefix);
    },
  };
}

/** A bench helper process (fork of a compiled bench file) that says { type: 'ready', ... } when up. */
export interface Helper<T> {
  ready: T;
  request<R>(message: object, reply: string): Promise<R>;
  close(): Promise<void>;
}

export async function forkHelper<T>(file: string, env: Record<string, string> = {}): Promise<Helper<T>> {
  const child = fork(resolve(__dirname, file), [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <R>(type: string): Promise<R> =>
    new Promise((ok) => {
      const listener = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', listener);
        ok(message as R);
      };
      child.on('message', listener);
    });
  const ready = await next<T>('ready');
  return {
    ready,
    request: <R>(message: object, reply: string) => {
      const answer = next<R>(reply);
      child.send(message);
      return answer;
    },
    close: () =>
      new Promise<void>((ok) => {
        child.once('exit', () => ok());
        child.send({ type: 'close' });
      }),
  };
}

/** What the figures were measured on (for the JSON results and docs/performance.md). */
export function machine(): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Writes bench/results/<name>-<timestamp>.json and returns its path. */
export function writeResults(name: string, results: object): string {
  const dir = resolve(__dirname, '../../bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), ...results }, null, 2)}\n`);
  return file;
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
  /** CPU time (user + system) the server process spent per request, when measured (cpuSecondsOf). */
  cpuMsPerRequest?: number;
}

/**
 * CPU seconds (user + system) process `pid` has used so far, from /proc (Linux; NaN elsewhere). On a
 * shared, busy machine the CPU time per request moves much less than requests per second do.
 */
export function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** A bounded autocannon run against a loopback URL. */
export async function load(
  name: string,
  opts: {
    url: string;
    method?: 'GET' | 'POST';
    body?: unknown;
    durationSeconds?: number;
    connections?: number;
    /** Request paths to cycle through (e.g. one per user), instead of the URL's own path. */
    paths?: string[];
    /** Request bodies to cycle through, instead of `body`. */
    bodies?: unknown[];
  },
): Promise<LoadResult> {
  let n = 0;
  const paths = opts.paths;
  const bodies = opts.bodies?.map((b) => JSON.stringify(b));
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-acting-user': 'bench.hr' },
    connections: opts.connections ?? 50,
    duration: opts.durationSeconds ?? 8,
    requests:
      paths || bodies
        ? [
            {
              setupRequest: (request) => {
                n += 1;
                return {
                  ...request,
                  ...(paths ? { path: paths[n % paths.length] } : {}),
                  ...(bodies ? { body: bodies[n % bodies.length] } : {}),
                };
              },
            },
          ]
        : undefined,
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
      `ratio ${(r.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}  errors ${r.errors + r.non2xx}` +
      (r.cpuMsPerRequest === undefined ? '' : `  cpu ${r.cpuMsPerRequest.toFixed(3)} ms/req`),
  );
  return lines.join('\n');
}

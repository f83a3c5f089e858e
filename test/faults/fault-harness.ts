import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { Logger } from 'nestjs-pino';
import { Environment } from '../../src/app.module';
import { FakeClock } from '../../src/common/clock/clock';
import { RunningSandbox, SandboxOptions, startSandbox } from '../../src/sandbox/sandbox.server';
import { CheckedClient, GatewayAnswer, injectTransport } from '../support/checked-client';
import { OpenApiResponseValidator } from '../support/openapi-validator';
import { TcpProxy } from '../support/tcp-proxy';
import { OPS_KEY, PG_ADMIN_URL, REDIS_URL, startTestApp, TestApp } from '../support/test-env';

export const HOME_VPD = '979';

/** A clock that follows real time (the gateway and sandbox then agree with timers and with each other). */
export class LiveClock extends FakeClock {
  override now(): Date {
    return new Date();
  }

  override nowMs(): number {
    return Date.now();
  }
}
export const LSA = 'lsa.admin@nhs.net';

/** One OpenAPI validator per test file (compiling the schemas once). */
export const validator = new OpenApiResponseValidator();

export interface FaultGateway {
  t: TestApp;
  client: CheckedClient;
  sandbox: RunningSandbox;
  /** Between the gateway and Redis, PostgreSQL and ESR. */
  redisProxy: TcpProxy;
  dbProxy: TcpProxy;
  esrProxy: TcpProxy;
  /** Captured log output (every level the app was started with). */
  logs: string[];
  close(): Promise<void>;
}

export interface FaultGatewayOptions {
  env?: Environment;
  sandbox?: SandboxOptions;
  clock?: FakeClock;
  /** Put something between the ESR proxy and the sandbox (e.g. an HttpRecorder); returns its URL. */
  esrVia?: (sandboxUrl: string) => Promise<string>;
  /** Capture pino's output (process.stdout) into `logs`; the app logs at LOG_LEVEL (default debug). */
  captureLogs?: boolean;
  /** Runs after the app is configured and before it starts (e.g. to watch the routes it registers). */
  beforeInit?: (app: NestFastifyApplication) => void;
}

/**
 * The whole gateway in-process on a fresh database and key prefix, with its connections to Redis,
 * PostgreSQL and the ESR sandbox each going through a TcpProxy the test can cut and restore.
 */
export async function startFaultGateway(options: FaultGatewayOptions = {}): Promise<FaultGateway> {
  const clock = options.clock ?? new FakeClock(Date.now());
  const logs: string[] = [];
  const spy = options.captureLogs
    ? jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      })
    : undefined;
  const sandbox = await startSandbox({ port: 0, rateLimitPerSecond: 0, ...options.sandbox, now: () => clock.now() });
  const redisProxy = await TcpProxy.forUrl(REDIS_URL).start();
  const dbProxy = await TcpProxy.forUrl(PG_ADMIN_URL).start();
  const esrProxy = await TcpProxy.forUrl(options.esrVia ? await options.esrVia(sandbox.url) : sandbox.url).start();
  const t = await startTestApp(
    {
      REDIS_URL: redisProxy.rewrite(REDIS_URL),
      ESR_BASE_URL: esrProxy.rewrite(sandbox.url).replace(/\/$/, ''),
      ESR_VPDS: HOME_VPD,
      ESR_MAX_ATTEMPTS: '2',
      ESR_RETRY_BASE_DELAY: 'PT0.05S',
      ESR_REQUEST_TIMEOUT: 'PT2S',
      ESR_CONNECT_TIMEOUT: 'PT1S',
      LOG_LEVEL: options.captureLogs ? 'debug' : 'silent',
      // The suites poll hard on one key (often on a clock that stands still): the per-key request
      // budget is not what they test, so it is set out of reach unless a suite says otherwise.
      API_RATE_LIMIT_PER_MINUTE: '10000000',
      ...options.env,
    },
    clock,
    { databaseUrl: (url) => dbProxy.rewrite(url), beforeInit: options.beforeInit },
  );
  if (options.captureLogs) t.app.useLogger(t.app.get(Logger));
  const client = new CheckedClient(injectTransport(t.app), validator);
  return {
    t,
    client,
    sandbox,
    redisProxy,
    dbProxy,
    esrProxy,
    logs,
    close: async () => {
      await Promise.all([redisProxy.restore(), dbProxy.restore(), esrProxy.restore()]);
      await t.close().catch(() => undefined);
      spy?.mockRestore();
      await Promise.all([redisProxy.close(), dbProxy.close(), esrProxy.close()]);
      await sandbox.close();
    },
  };
}

/** Deletes every key under the prefix (as a flushed or restarted-empty Redis would look to this gateway). */
export async function deletePrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export interface SyncStatusVpd {
  vpd: string;
  state: string;
  lastSuccessAt: string | null;
  lastFullSyncAt: string | null;
  holders: number;
  consecutiveFailures: number;
}

export async function syncStatus(client: CheckedClient, vpd = HOME_VPD): Promise<SyncStatusVpd | undefined> {
  const res = await client.get('/v1/sync/status', OPS_KEY);
  if (res.status !== 200) return undefined;
  return (res.body as { vpds: SyncStatusVpd[] }).vpds.find((v) => v.vpd === vpd);
}

/** Starts a sync run through the ops API and waits for it to end; returns the run record. */
export async function runSync(
  client: CheckedClient,
  mode: 'full' | 'incremental',
  timeoutMs = 60_000,
  key = OPS_KEY,
): Promise<Record<string, unknown>> {
  const started = await client.post('/v1/sync/runs', { mode }, key);
  if (started.status !== 202) throw new Error(`sync run not started: ${started.status} ${started.text}`);
  const { runId } = started.body as { runId: string };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const run = await client.get(`/v1/sync/runs/${runId}`, key);
    if (run.status === 200 && !['queued', 'running'].includes(run.body.state)) return run.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the sync run did not finish in time');
}

/** Creates a mapping (LSA acting) and expects 201. */
export async function mapUser(client: CheckedClient, portalUserId: string, employeeNumber: string, vpd = HOME_VPD): Promise<GatewayAnswer> {
  const res = await client.post(`/v1/users/${encodeURIComponent(portalUserId)}/esr-mappings`, { vpd, employeeNumber }, undefined, {
    'x-acting-user': LSA,
  });
  if (res.status !== 201) throw new Error(`mapping not created: ${res.status} ${res.text}`);
  return res;
}

/** The access answer: the state of the user's first mapping, or the HTTP error code. */
export async function accessState(client: CheckedClient, portalUserId: string): Promise<string> {
  const res = await client.get(`/v1/users/${encodeURIComponent(portalUserId)}/esr-access`);
  if (res.status === 200) return String(res.body.mappings?.[0]?.state ?? 'NO_MAPPINGS');
  return `${res.status} ${res.body?.error ?? ''}`.trim();
}

/**
 * The states of several users from ONE batch answer (one consistent read of the role data), so a
 * sample never mixes answers from before and after a sync that lands between two requests.
 */
export async function accessStates(client: CheckedClient, portalUserIds: string[]): Promise<string[]> {
  const res = await client.post('/v1/esr-access/batch', { portalUserIds });
  if (res.status !== 200) return portalUserIds.map(() => `${res.status} ${res.body?.error ?? ''}`.trim());
  const byUser = new Map<string, { mappings?: { state: string }[] }>(
    (res.body.items as { portalUserId: string; mappings?: { state: string }[] }[]).map((item) => [item.portalUserId, item]),
  );
  return portalUserIds.map((id) => String(byUser.get(id)?.mappings?.[0]?.state ?? 'NO_MAPPINGS'));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Access resolution under load (issue 11), every figure measured in ONE run on this machine:
 * - baselines: a bare Fastify server answering fixed JSON, and a bare Fastify server whose handler
 *   does one ioredis GET of a ~300-byte value (each in its own process, like the gateway);
 * - the gateway on PostgreSQL + Redis: GET /v1/users/{id}/esr-access over all mapped users, and
 *   POST /v1/esr-access/batch with 100 users, after a full sync of the role holders and a warm-up
 *   pass over every user (the mapping mirror warm);
 * - the embedded default (SQLite, in-process cache) with the same data, against bare Fastify JSON.
 * Targets: gateway >= 50% of the Fastify + GET baseline (aim 70%), p99 <= 20 ms.
 *
 *   npm run bench:access
 *   BENCH_USERS=10000 BENCH_HOLDERS=100000 BENCH_DURATION=10 BENCH_CONNECTIONS=50 (defaults)
 *   BENCH_CPU_PROF=<dir>   also write a CPU profile of each gateway process there (node --cpu-prof)
 *   BENCH_ROUTES=single    only the single-user route (e.g. for a profile of it alone); batch likewise
 *   BENCH_REDIS=standalone|tls|cluster  the Redis of the gateway and of the Fastify + GET baseline: the shared
 *                          one (default), a private TLS-only server, or a private 3-primary Cluster
 *                          (bench/redis-topology.ts)
 * Writes bench/results/access-<time>.json.
 */
import { BenchRedis, startBenchRedis } from './redis-topology';
import {
  call,
  cpuSecondsOf,
  forkHelper,
  GatewayOptions,
  load,
  LoadResult,
  RunningGateway,
  startGateway,
  table,
  writeResults,
} from './support';
import { round } from './bench-report';

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const HOLDERS = Number(process.env.BENCH_HOLDERS ?? 100_000);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const ROUTES = (process.env.BENCH_ROUTES ?? 'single,batch').split(',');
const BATCH = 100;

const userId = (i: number) => `bench.user.${i}@trust.nhs.uk`;

/**
 * User i gets role holder i's record: one mapping each (one person per VPD per portal account since
 * issue 20; runs before 2026-12-07 gave users 1-3 records of VPD 979, which the gateway now refuses).
 */
function plan(holders: string[]): Array<{ portalUserId: string; vpd: string; employeeNumber: string }> {
  return Array.from({ length: USERS }, (_, i) => ({ portalUserId: userId(i), vpd: '979', employeeNumber: holders[i % holders.length] }));
}

async function prepare(gateway: RunningGateway, holders: string[]): Promise<void> {
  const { url } = gateway;
  const run = (await (await call(`${url}/v1/sync/runs`, 'POST', { vpd: '979', mode: 'full' })).json()) as { runId: string };
  for (;;) {
    const { state } = (await (await call(`${url}/v1/sync/runs/${run.runId}`, 'GET')).json()) as { state: string };
    if (state !== 'queued' && state !== 'running') {
      if (state !== 'succeeded') throw new Error(`sync run ended ${state}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const rows = plan(holders);
  for (let i = 0; i < rows.length; i += 1000) {
    const result = (await (await call(`${url}/v1/esr-mappings/import`, 'POST', { items: rows.slice(i, i + 1000) })).json()) as {
      errors: unknown[];
    };
    if (result.errors.length) throw new Error(`import refused rows: ${JSON.stringify(result.errors.slice(0, 3))}`);
  }
  // Warm-up: every user asked once (the mapping mirror fills from the database).
  for (let i = 0; i < USERS; i += BATCH) await call(`${url}/v1/esr-access/batch`, 'POST', { portalUserIds: batchIds(i) });
}

const batchIds = (start: number) => Array.from({ length: Math.min(BATCH, USERS - start) }, (_, k) => userId(start + k));
const accessPaths = () => Array.from({ length: USERS }, (_, i) => `/v1/users/${encodeURIComponent(userId(i))}/esr-access`);
const batchBodies = () => Array.from({ length: Math.ceil(USERS / BATCH) }, (_, b) => ({ portalUserIds: batchIds(b * BATCH) }));

async function measureGateway(label: string, holders: string[], esrUrl: string, options: GatewayOptions): Promise<LoadResult[]> {
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`] : [];
  const gateway = await startGateway(
    { ESR_BASE_URL: esrUrl, ESR_VPDS: '979', ESR_PAGE_SIZE: '1000', ESR_RATE_LIMIT_PER_SECOND: '20' },
    {
      ...options,
      nodeArgs,
    },
  );
  try {
    await prepare(gateway, holders);
    const results: LoadResult[] = [];
    if (ROUTES.includes('single')) {
      const cpuBefore = cpuSecondsOf(gateway.pid);
      const single = await load(`${label}: GET esr-access (one mapping)`, {
        url: gateway.url,
        paths: accessPaths(),
        durationSeconds: DURATION,
        connections: CONNECTIONS,
      });
      const cpuMs = (cpuSecondsOf(gateway.pid) - cpuBefore) * 1000;
      results.push({ ...single, cpuMsPerRequest: round(cpuMs / (single.requestsPerSecond * DURATION), 4) });
    }
    if (ROUTES.includes('batch'))
      results.push(
        await load(`${label}: POST esr-access/batch (${BATCH} users)`, {
          url: `${gateway.url}/v1/esr-access/batch`,
          method: 'POST',
          bodies: batchBodies(),
          durationSeconds: DURATION,
          connections: CONNECTIONS,
        }),
      );
    return results;
  } finally {
    await gateway.stop();
  }
}

async function measureBaseline(label: string, mode: 'json' | 'redis-get', redis: BenchRedis): Promise<LoadResult> {
  const server = await forkHelper<{ url: string }>('baseline-server.js', { BENCH_BASELINE: mode, ...redis.helperEnv });
  try {
    return await load(label, { url: server.ready.url, paths: accessPaths(), durationSeconds: DURATION, connections: CONNECTIONS });
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const redis = await startBenchRedis();
  const sandbox = await forkHelper<{ url: string; listed: number }>('access-sandbox-child.js', { BENCH_ROLE_ASSIGNMENTS: String(HOLDERS) });
  try {
    const { employeeNumbers } = await sandbox.request<{ employeeNumbers: string[] }>({ type: 'holders', count: USERS * 3 }, 'holders');
    const json = await measureBaseline('baseline: bare Fastify, fixed JSON', 'json', redis);
    const redisGet = await measureBaseline(`baseline: bare Fastify + one ioredis GET (300 B, ${redis.topology})`, 'redis-get', redis);
    const [single, batch] = await measureGateway(`gateway (PostgreSQL + Redis ${redis.topology})`, employeeNumbers, sandbox.ready.url, {
      redis,
    });
    // BENCH_EMBEDDED=false: the PostgreSQL + Redis gateway only (comparing BENCH_VARIANTs).
    const [embeddedSingle, embeddedBatch] =
      process.env.BENCH_EMBEDDED === 'false'
        ? []
        : await measureGateway('embedded default', employeeNumbers, sandbox.ready.url, { embedded: true });
    const ratios = {
      gatewayVsFastifyGet: single ? single.requestsPerSecond / redisGet.requestsPerSecond : NaN,
      batchUsersPerSecondVsFastifyGet: batch ? (batch.requestsPerSecond * BATCH) / redisGet.requestsPerSecond : null,
      embeddedVsFastifyJson: embeddedSingle ? embeddedSingle.requestsPerSecond / json.requestsPerSecond : null,
    };
    const targets = {
      gatewayAtLeastHalfOfFastifyGet: ratios.gatewayVsFastifyGet >= 0.5,
      gatewayAim70Percent: ratios.gatewayVsFastifyGet >= 0.7,
      gatewayP99AtMost20ms: single ? single.p99Ms <= 20 : false,
    };
    const rows = [json, redisGet, single, batch, embeddedSingle, embeddedBatch].filter((r): r is LoadResult => r !== undefined);
    process.stdout.write(
      `\nAccess resolution: ${USERS} users, ${sandbox.ready.listed} role assignments synced, ${CONNECTIONS} connections, ${DURATION} s each, Redis ${redis.topology}` +
        `\n(ratio column: against the Fastify + GET baseline)\n${table(rows, redisGet)}\n` +
        `\nratios ${JSON.stringify(ratios)}\ntargets ${JSON.stringify(targets)}\n`,
    );
    const file = writeResults('access', {
      command: `BENCH_REDIS=${redis.topology} npm run bench:access`,
      parameters: {
        redis: redis.topology,
        users: USERS,
        roleAssignments: sandbox.ready.listed,
        durationSeconds: DURATION,
        connections: CONNECTIONS,
        batch: BATCH,
        variant: process.env.BENCH_VARIANT ?? 'warn',
      },
      results: rows,
      ratios,
      targets,
    });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await sandbox.close();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

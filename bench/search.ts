/**
 * Credential search latency: the gateway's overhead over the ESR calls a search makes.
 *
 * The ESR sandbox runs in its own process (bench/search-sandbox-child.ts) and the built gateway in
 * another (PostgreSQL + Redis, a fresh database and key prefix, both removed at the end). For each
 * kind of criteria this script makes, in the same run and alternating which goes first, (a) a search
 * through the gateway and (b) the same ESR calls straight to the sandbox (employee number: the
 * person's record; assignment number and personal details: the people search, then the record).
 * Overhead = (a) - (b), paired sample by sample.
 *
 *   1. one at a time, with a think time between requests (default 250 ms);
 *   2. 20 searches at once, in batches;
 *   3. one at a time while a full sync of every role holder runs: the extra wait over the idle
 *      overhead, against one ESR slot (1000 / ESR_RATE_LIMIT_PER_SECOND ms), and the interactive
 *      lane's queue waits from the gateway's own histogram.
 *
 *   npm run bench:search -- [--holders 100000] [--rounds 50] [--think 250] [--batches 10]
 *   BENCH_REDIS=standalone|tls|cluster  the gateway's Redis: the shared one (default), a private TLS-only
 *   server, or a private 3-primary Cluster (bench/redis-topology.ts)
 * Results: bench/results/search.json. Not part of npm test.
 */
import { ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import { numberArg, percentile, round, runInfo, writeResults } from './bench-report';
import { BenchRedis, startBenchRedis } from './redis-topology';
import type { SearchSubject } from './search-sandbox-child';
import { API_KEY, call, startGateway, RunningGateway } from './support';

const VPD = '979';
const HR_USER = 'bench.hr@trust.nhs.uk';
const KINDS = ['employeeNumber', 'assignmentNumber', 'personalDetails'] as const;
type Kind = (typeof KINDS)[number];
const GATEWAY_RATE = 15; // ESR_RATE_LIMIT_PER_SECOND's default, as used below
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sandbox {
  url: string;
  listed: number;
  hrEmployeeNumber: string;
  subjects: SearchSubject[];
  close(): Promise<void>;
}

async function startSandboxChild(holders: number): Promise<Sandbox> {
  const child: ChildProcess = fork(resolve(__dirname, 'search-sandbox-child.js'), [], {
    env: { ...process.env, BENCH_ROLE_ASSIGNMENTS: String(holders) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Omit<Sandbox, 'close'>>((ok, fail) => {
    child.once('message', (m: Omit<Sandbox, 'close'>) => ok(m));
    child.once('exit', (code) => fail(new Error(`the sandbox exited with ${code}`)));
  });
  return {
    ...ready,
    close: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.send({ type: 'close' });
      }),
  };
}

/** Straight to the sandbox: a token, then the same GETs the gateway makes for a search. */
class DirectEsr {
  private token = '';
  constructor(private readonly url: string) {}

  async login(): Promise<void> {
    const res = await fetch(`${this.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'esr-gateway-sandbox', client_secret: 'sandbox-secret' }),
    });
    this.token = ((await res.json()) as { access_token: string }).access_token;
  }

  private async get(path: string, query: Record<string, string> = {}): Promise<void> {
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`${this.url}/esr/v1/vpds/${VPD}${path}${qs ? `?${qs}` : ''}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`direct ESR call answered ${res.status}`);
  }

  /** The ESR calls of one search of this kind; resolves with the elapsed ms. */
  async search(kind: Kind, s: SearchSubject): Promise<number> {
    const started = performance.now();
    if (kind === 'assignmentNumber') await this.get('/people', { assignmentNumber: s.assignmentNumber });
    if (kind === 'personalDetails') await this.get('/people', { lastName: s.lastName, dateOfBirth: s.dateOfBirth, niNumber: s.niNumber });
    await this.get(`/people/${s.employeeNumber}`);
    return performance.now() - started;
  }
}

function searchBody(kind: Kind, s: SearchSubject): Record<string, string> {
  if (kind === 'employeeNumber') return { vpd: VPD, employeeNumber: s.employeeNumber };
  if (kind === 'assignmentNumber') return { vpd: VPD, assignmentNumber: s.assignmentNumber };
  return { vpd: VPD, lastName: s.lastName, dateOfBirth: s.dateOfBirth, niNumber: s.niNumber };
}

/** One search through the gateway; resolves with the elapsed ms (fails unless it found the one person). */
async function gatewaySearch(url: string, kind: Kind, s: SearchSubject): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/credential-searches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-acting-user': HR_USER },
    body: JSON.stringify(searchBody(kind, s)),
  });
  const body = (await res.json()) as { matches?: unknown[]; credentials?: unknown };
  const ms = performance.now() - started;
  if (res.status !== 200 || body.matches?.length !== 1 || !body.credentials)
    throw new Error(`a ${kind} search answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
  return ms;
}

async function startSync(url: string): Promise<string> {
  const res = await call(`${url}/v1/sync/runs`, 'POST', { vpd: VPD, mode: 'full' });
  return ((await res.json()) as { runId: string }).runId;
}

async function syncState(url: string, runId: string): Promise<string> {
  const { state } = (await (await call(`${url}/v1/sync/runs/${runId}`, 'GET')).json()) as { state: string };
  if (state !== 'queued' && state !== 'running' && state !== 'succeeded') throw new Error(`the sync run ended ${state}`);
  return state;
}

async function waitForSync(url: string, runId: string): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  while ((await syncState(url, runId)) !== 'succeeded') {
    if (Date.now() > deadline) throw new Error('the sync did not finish within 30 minutes');
    await sleep(200);
  }
}

/** Sums of the interactive lane's queue-wait histogram buckets (le -> count), from /metrics. */
async function interactiveWaits(url: string): Promise<Map<string, number>> {
  const text = await (await call(`${url}/metrics`, 'GET')).text();
  const buckets = new Map<string, number>();
  for (const m of text.matchAll(/^esr_gateway_esr_queue_wait_seconds_bucket\{([^}]*)\} (\d+)/gm)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.lane === 'interactive') buckets.set(labels.le, Number(m[2]));
  }
  return buckets;
}

interface Pair {
  kind: Kind;
  gatewayMs: number;
  directMs: number;
}

/** A paired sample: gateway search and direct calls, alternating which goes first, think time after each. */
async function pair(url: string, direct: DirectEsr, kind: Kind, s: SearchSubject, i: number, thinkMs: number): Promise<Pair> {
  let gatewayMs: number;
  let directMs: number;
  if (i % 2 === 0) {
    gatewayMs = await gatewaySearch(url, kind, s);
    await sleep(thinkMs);
    directMs = await direct.search(kind, s);
  } else {
    directMs = await direct.search(kind, s);
    await sleep(thinkMs);
    gatewayMs = await gatewaySearch(url, kind, s);
  }
  await sleep(thinkMs);
  return { kind, gatewayMs, directMs };
}

function summarise(pairs: Pair[]): Record<string, unknown> {
  const stats = (values: number[]) => ({
    p50: round(percentile(values, 50)),
    p99: round(percentile(values, 99)),
    max: round(Math.max(...values)),
  });
  const of = (subset: Pair[]) => ({
    samples: subset.length,
    gatewayMs: stats(subset.map((p) => p.gatewayMs)),
    directEsrMs: stats(subset.map((p) => p.directMs)),
    overheadMs: stats(subset.map((p) => p.gatewayMs - p.directMs)),
  });
  return { all: of(pairs), ...Object.fromEntries(KINDS.map((k) => [k, of(pairs.filter((p) => p.kind === k))])) };
}

async function main(): Promise<void> {
  const holders = numberArg('holders', 100_000);
  const rounds = numberArg('rounds', 50);
  const thinkMs = numberArg('think', 250);
  const batches = numberArg('batches', 10);
  let sandbox: Sandbox | undefined;
  let gateway: RunningGateway | undefined;
  let redis: BenchRedis | undefined;
  const cleanup = async () => {
    await gateway?.stop().catch((e: unknown) => process.stderr.write(`gateway cleanup failed: ${String(e)}\n`));
    await sandbox?.close();
    await redis?.stop();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    process.stdout.write(`sandbox with ${holders.toLocaleString('en-GB')} role holders ...\n`);
    redis = await startBenchRedis();
    process.stdout.write(`Redis: ${redis.topology}\n`);
    sandbox = await startSandboxChild(holders);
    gateway = await startGateway({ ESR_BASE_URL: sandbox.url, ESR_VPDS: VPD, SEARCH_RATE_LIMIT_PER_MINUTE: '10000' }, { redis });
    const { url } = gateway;
    process.stdout.write('first full sync ...\n');
    await waitForSync(url, await startSync(url));
    await call(`${url}/v1/users/${encodeURIComponent(HR_USER)}/esr-mappings`, 'POST', {
      vpd: VPD,
      employeeNumber: sandbox.hrEmployeeNumber,
    });
    const direct = new DirectEsr(sandbox.url);
    await direct.login();
    const subjects = sandbox.subjects;
    const subject = (i: number) => subjects[i % subjects.length];
    for (let i = 0; i < 6; i++) await pair(url, direct, KINDS[i % 3], subject(i), i, 20); // warm-up: connections, JIT, token

    process.stdout.write(`one at a time: ${rounds} rounds x ${KINDS.length} kinds, think ${thinkMs} ms ...\n`);
    const sequential: Pair[] = [];
    for (let r = 0; r < rounds; r++)
      for (const [k, kind] of KINDS.entries()) sequential.push(await pair(url, direct, kind, subject(r + k), r * 3 + k, thinkMs));

    process.stdout.write(`20 at once: ${batches} batches ...\n`);
    const concurrent: number[] = [];
    for (let b = 0; b < batches; b++) {
      concurrent.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => gatewaySearch(url, KINDS[i % 3], subject(b + i))))));
      await sleep(1000);
    }

    process.stdout.write('one at a time during a full sync ...\n');
    const waitsBefore = await interactiveWaits(url);
    const runId = await startSync(url);
    const duringSync: Pair[] = [];
    for (let i = 0; (await syncState(url, runId)) !== 'succeeded'; i++)
      duringSync.push(await pair(url, direct, KINDS[i % 3], subject(i), i, thinkMs));
    const waitsAfter = await interactiveWaits(url);

    const idleOverheadP50 = percentile(
      sequential.map((p) => p.gatewayMs - p.directMs),
      50,
    );
    const extra = duringSync.map((p) => p.gatewayMs - p.directMs - idleOverheadP50);
    const slotMs = 1000 / GATEWAY_RATE;
    const waitDelta = [...waitsAfter].map(([le, n]) => ({ leSeconds: le, calls: n - (waitsBefore.get(le) ?? 0) }));
    const results = {
      ...runInfo(
        `BENCH_REDIS=${redis.topology} npm run bench:search -- --holders ${holders} --rounds ${rounds} --think ${thinkMs} --batches ${batches}`,
      ),
      params: {
        redis: redis.topology,
        holders,
        listed: sandbox.listed,
        rounds,
        thinkMs,
        batches,
        esrRateLimitPerSecond: GATEWAY_RATE,
        variant: process.env.BENCH_VARIANT ?? 'warn',
      },
      targets: { oneAtATimeOverheadP50Ms: 3, oneAtATimeOverheadP99Ms: 10, duringSyncExtraWaitMs: round(slotMs) },
      oneAtATime: summarise(sequential),
      twentyAtOnce: {
        searches: concurrent.length,
        gatewayMs: { p50: round(percentile(concurrent, 50)), p99: round(percentile(concurrent, 99)), max: round(Math.max(...concurrent)) },
      },
      duringFullSync: {
        ...summarise(duringSync),
        extraWaitOverIdleMs: { p50: round(percentile(extra, 50)), p99: round(percentile(extra, 99)), max: round(Math.max(...extra)) },
        oneEsrSlotMs: round(slotMs),
        interactiveQueueWaitsCumulative: waitDelta,
      },
    };
    const file = writeResults('search', results);
    process.stdout.write(
      `\n${JSON.stringify({ oneAtATime: results.oneAtATime, twentyAtOnce: results.twentyAtOnce, duringFullSync: results.duringFullSync }, null, 1)}\n`,
    );
    process.stdout.write(`\nwritten to ${file}\n`);
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

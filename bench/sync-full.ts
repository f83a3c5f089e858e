/**
 * Role sync benchmark: a full sync of one large VPD (100k and 1M role assignments by default) from
 * the ESR sandbox (its own process) into Redis, through the real ESR client (page size 1000, at
 * most 20 requests per second, the contract's limit) and the sync's jobs (SyncModule). Reports records/s and the
 * peak RSS/heap of this process per size, and the memory ratio between the sizes (bounded memory:
 * near 1). Then incremental runs with 10 and 1000 changes against a no-change baseline measured in
 * the same run, at each size (cost should follow the changes, not the VPD size).
 *
 * Baseline in the same run: a bare page fetch of the same listing (same page size, same ESR rate
 * limit, plain fetch, each page parsed for its cursor and discarded), timed before the first full
 * sync and after the re-sync; the faster of the two is the baseline. Target: full sync <= 1.5x the
 * baseline, peak RSS flat across sizes. Results also go to bench/results/sync.json.
 *
 *   npx tsc -p bench/tsconfig.json && node --expose-gc dist-bench/bench/sync-full.js [sizes...]
 *   e.g. node --expose-gc dist-bench/bench/sync-full.js 100000 1000000
 */
import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import axios from 'axios';
import Redis from 'ioredis';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { AuditService } from '../src/audit/audit.service';
import { redisStores } from '../src/role-store/stores';
import { Clock } from '../src/common/clock/clock';
import { settingsFrom } from '../src/config/settings/settings';
import { validateEnvironment } from '../src/config/env.schema';
import { EsrClient } from '../src/esr/esr.client';
import { EsrEndpoint } from '../src/esr/esr.endpoint';
import { esrHttpOptions } from '../src/esr/esr.http';
import { EsrMetrics } from '../src/esr/esr.metrics';
import { MetricsService } from '../src/metrics/metrics.service';
import { SyncOutcome } from '../src/sync/sync.types';
import { createSyncParts } from '../test/sync/sync-parts';
import { runInfo, writeResults } from './bench-report';
import { unlinkPrefix } from './support';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REPEATS = 3;
const PAGE_SIZE = 1000;
const RATE_LIMIT = 20;
const ROLE_NAME = 'Digital Passport Administrator';

/**
 * The floor: every page of VPD 979's full listing fetched one after another with a plain fetch and
 * thrown away, at most RATE_LIMIT requests started in any second. Returns the rows seen.
 */
async function barePageFetch(baseUrl: string): Promise<number> {
  const tokenRes = await fetch(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'esr-gateway-sandbox', client_secret: 'sandbox-secret' }),
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const starts: number[] = [];
  let rows = 0;
  let cursor: string | null = null;
  do {
    if (starts.length >= RATE_LIMIT) {
      const wait = starts[starts.length - RATE_LIMIT] + 1000 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    starts.push(performance.now());
    const query = new URLSearchParams({ roleName: ROLE_NAME, limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
    const res = await fetch(`${baseUrl}/esr/v1/vpds/979/supplementary-role-assignments?${query.toString()}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`bare page fetch answered ${res.status}`);
    const page = JSON.parse(await res.text()) as { items: unknown[]; nextCursor: string | null };
    rows += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return rows;
}
const MB = 1024 * 1024;

interface Child {
  url: string;
  listed: number;
  endDate(from: number, count: number): Promise<number>;
  close(): Promise<void>;
}

async function startChild(roleAssignments: number): Promise<Child> {
  const child: ChildProcess = fork(resolve(__dirname, 'sync-sandbox-child.js'), [], {
    env: { ...process.env, BENCH_ROLE_ASSIGNMENTS: String(roleAssignments) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string): Promise<T> =>
    new Promise((ok) => {
      const listener = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', listener);
        ok(message as T);
      };
      child.on('message', listener);
    });
  const ready = await next<{ url: string; listed: number }>('ready');
  return {
    url: ready.url,
    listed: ready.listed,
    endDate: async (from, count) => {
      const done = next<{ changed: number }>('done');
      child.send({ type: 'endDate', from, count, date: '2099-12-31' });
      return (await done).changed;
    },
    close: () =>
      new Promise<void>((ok) => {
        child.once('exit', () => ok());
        child.send({ type: 'close' });
      }),
  };
}

/** Peak memory of this process while `work` runs, sampled every 10 ms, after a GC. */
async function measure<T>(
  work: () => Promise<T>,
): Promise<{ value: T; ms: number; baseRss: number; peakRss: number; baseHeap: number; peakHeap: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 10);
  const started = performance.now();
  try {
    const value = await work();
    const end = process.memoryUsage();
    return {
      value,
      ms: performance.now() - started,
      baseRss: base.rss,
      peakRss: Math.max(peakRss, end.rss),
      baseHeap: base.heapUsed,
      peakHeap: Math.max(peakHeap, end.heapUsed),
    };
  } finally {
    clearInterval(timer);
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

interface SizeResult {
  size: number;
  listed: number;
  first: { ms: number; perSecond: number; peakRss: number; peakHeap: number; rssGrowth: number; heapGrowth: number };
  baseline: { ms: number; runsMs: number[]; peakRss: number; rssGrowth: number; rows: number };
  ratio: { firstFullToBaseline: number; resyncToBaseline: number };
  resync: { ms: number; perSecond: number; peakRss: number; peakHeap: number };
  redisBytesPerRow: number;
  incremental: { baselineMs: number; tenMs: number; thousandMs: number; changedTen: number; changedThousand: number };
}

function expectOk(outcome: SyncOutcome, what: string): SyncOutcome {
  if (outcome.status !== 'succeeded') throw new Error(`${what}: ${JSON.stringify(outcome)}`);
  return outcome;
}

async function benchSize(size: number, redis: Redis): Promise<SizeResult> {
  const child = await startChild(size);
  const prefix = `esr-gw-bench-sync:${Date.now().toString(36)}_${randomBytes(3).toString('hex')}:`;
  const settings = settingsFrom(
    validateEnvironment({
      ESR_BASE_URL: child.url,
      API_KEYS: 'bench1:bench-secret-1:ops',
      AUDIT_HMAC_SECRET: 'bench-audit-hmac-secret-0123',
      ESR_VPDS: '979',
      ESR_PAGE_SIZE: String(PAGE_SIZE),
      ESR_RATE_LIMIT_PER_SECOND: String(RATE_LIMIT),
      ESR_REQUEST_TIMEOUT: 'PT60S',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SYNC_REMOVAL_GUARD_PERCENT: '100',
    }),
  );
  const clock = new Clock();
  const metrics = new MetricsService();
  const esr = new EsrClient(
    new HttpService(
      axios.create(esrHttpOptions(settings.esr, settings.outboundHttp)) as unknown as ConstructorParameters<typeof HttpService>[0],
    ),
    new EsrEndpoint(child.url, 'configured'),
    settings.esr,
    new EsrMetrics(metrics),
    clock,
  );
  const stores = await redisStores({ url: REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 30_000 });
  const audit = { record: async () => undefined } as unknown as AuditService;
  const sync = await createSyncParts({ esr, stores, settings, clock, metrics, audit, log: true });
  try {
    const bareBefore = await measure(() => barePageFetch(child.url));
    const redisBefore = await redisUsedMemory(redis);
    const first = await measure(async () => expectOk(await sync.runs.runSync({ mode: 'full' }), 'first full sync'));
    const redisAfter = await redisUsedMemory(redis);
    const resync = await measure(async () => expectOk(await sync.runs.runSync({ mode: 'full' }), 'full re-sync'));
    const bareAfter = await measure(() => barePageFetch(child.url));
    const bare = bareBefore.ms <= bareAfter.ms ? bareBefore : bareAfter;

    const incremental = async (changes: number, offsets: number[]): Promise<{ ms: number; changed: number }> => {
      const times: number[] = [];
      let changed = 0;
      for (const offset of offsets) {
        if (changes > 0) changed = await child.endDate(offset, changes);
        const run = await measure(async () => expectOk(await sync.runs.runSync({ mode: 'incremental' }), `incremental ${changes}`));
        const applied = run.value.vpds[0];
        if (changes > 0 && applied?.updated !== changed) throw new Error(`expected ${changed} updates, got ${JSON.stringify(applied)}`);
        times.push(run.ms);
      }
      return { ms: median(times), changed };
    };
    const baseline = await incremental(0, [0, 0, 0].slice(0, REPEATS));
    const ten = await incremental(10, [0, 50, 100].slice(0, REPEATS));
    const thousand = await incremental(1000, [1000, 5000, 9000].slice(0, REPEATS));

    return {
      size,
      listed: child.listed,
      first: {
        ms: first.ms,
        perSecond: child.listed / (first.ms / 1000),
        peakRss: first.peakRss,
        peakHeap: first.peakHeap,
        rssGrowth: first.peakRss - first.baseRss,
        heapGrowth: first.peakHeap - first.baseHeap,
      },
      resync: { ms: resync.ms, perSecond: child.listed / (resync.ms / 1000), peakRss: resync.peakRss, peakHeap: resync.peakHeap },
      baseline: {
        ms: bare.ms,
        runsMs: [bareBefore.ms, bareAfter.ms],
        peakRss: bare.peakRss,
        rssGrowth: bare.peakRss - bare.baseRss,
        rows: bare.value,
      },
      ratio: { firstFullToBaseline: first.ms / bare.ms, resyncToBaseline: resync.ms / bare.ms },
      redisBytesPerRow: Math.max(0, redisAfter - redisBefore) / child.listed,
      incremental: {
        baselineMs: baseline.ms,
        tenMs: ten.ms,
        thousandMs: thousand.ms,
        changedTen: ten.changed,
        changedThousand: thousand.changed,
      },
    };
  } finally {
    await sync.shutdown.beforeApplicationShutdown();
    esr.onApplicationShutdown();
    await stores.close();
    await unlinkPrefix(redis, prefix);
    await child.close();
  }
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const redis = new Redis(REDIS_URL);
  const results: SizeResult[] = [];
  try {
    for (const size of sizes.length ? sizes : [100_000, 1_000_000]) {
      process.stdout.write(`full sync of ${size.toLocaleString('en-GB')} role assignments ...\n`);
      results.push(await benchSize(size, redis));
    }
  } finally {
    redis.disconnect();
  }
  process.stdout.write('\nsize        listed   first full: s  rec/s   peak RSS  peak heap   re-sync: s  rec/s   Redis B/row\n');
  for (const r of results) {
    process.stdout.write(
      `${String(r.size).padEnd(9)} ${String(r.listed).padStart(8)}   ${(r.first.ms / 1000).toFixed(1).padStart(8)}  ${Math.round(
        r.first.perSecond,
      )
        .toString()
        .padStart(
          6,
        )}  ${mb(r.first.peakRss).padStart(9)}  ${mb(r.first.peakHeap).padStart(9)}   ${(r.resync.ms / 1000).toFixed(1).padStart(8)}  ${Math.round(
        r.resync.perSecond,
      )
        .toString()
        .padStart(6)}   ${Math.round(r.redisBytesPerRow)}\n`,
    );
  }
  process.stdout.write('\nincremental (median of 3, ms): no changes (baseline) / 10 changes / 1000 changes\n');
  for (const r of results) {
    const i = r.incremental;
    process.stdout.write(
      `${String(r.size).padEnd(9)} ${i.baselineMs.toFixed(0).padStart(6)} / ${i.tenMs.toFixed(0).padStart(6)} (+${(i.tenMs - i.baselineMs).toFixed(0)}) / ` +
        `${i.thousandMs.toFixed(0).padStart(6)} (+${(i.thousandMs - i.baselineMs).toFixed(0)})   changed ${i.changedTen} / ${i.changedThousand}\n`,
    );
  }
  if (results.length >= 2) {
    const [small, large] = [results[0], results[results.length - 1]];
    process.stdout.write(
      `\nmemory ratio ${large.size}/${small.size}: peak RSS ${(large.first.peakRss / small.first.peakRss).toFixed(2)}, ` +
        `peak heap ${(large.first.peakHeap / small.first.peakHeap).toFixed(2)} (size ratio ${(large.size / small.size).toFixed(0)})\n`,
    );
  }
  process.stdout.write('\nratio to the bare page-fetch baseline (target <= 1.5x)\n');
  for (const r of results) {
    process.stdout.write(
      `${String(r.size).padEnd(9)} baseline ${(r.baseline.ms / 1000).toFixed(1)} s  first full ${r.ratio.firstFullToBaseline.toFixed(2)}x  ` +
        `re-sync ${r.ratio.resyncToBaseline.toFixed(2)}x  RSS growth: sync ${mb(r.first.rssGrowth)}, baseline ${mb(r.baseline.rssGrowth)}\n`,
    );
  }
  const file = writeResults('sync', {
    ...runInfo(`npm run bench:sync -- ${results.map((r) => r.size).join(' ')}`),
    params: { pageSize: PAGE_SIZE, esrRateLimitPerSecond: RATE_LIMIT, repeats: REPEATS },
    targets: { firstFullToBaseline: 1.5, memory: 'peak RSS flat across sizes' },
    sizes: results,
  });
  process.stdout.write(`\nJSON ${JSON.stringify(results)}\nwritten to ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

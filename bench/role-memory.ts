/**
 * Redis memory of the role data of one VPD on the tagged key layout: writes N role holders (100,000
 * by default) into one generation through the Redis stores (begin, write in batches of 1,000,
 * commit), then reports Redis `used_memory` before and after, and `MEMORY USAGE` of every key of
 * the VPD (all in one hash slot: the gateway's keys share one hash tag). Its keys are deleted after.
 *
 *   npx tsc -p bench/tsconfig.json && node dist-bench/bench/role-memory.js [holders]   (BENCH_NAMES=false: holders without names)
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RedisKeySpace } from '../src/role-store/redis-keys';
import { redisStores } from '../src/role-store/stores';
import { toCachedRole } from '../src/sync/role-window';
import { REDIS_URL, unlinkPrefix } from './support';

const VPD = '979';
const BATCH = 1000;
const MB = 1024 * 1024;
/** Holders carry a name as ESR 1.1.0 sends it (BENCH_NAMES=false: none, as before names were kept). */
const BENCH_NAMES = process.env.BENCH_NAMES !== 'false';
const TITLES = ['Mr', 'Mrs', 'Ms', 'Dr'];
const FIRST = ['Jordan', 'Priya', 'Tariq', 'Grace', 'Wei', 'Ella', 'Oluwaseun'];
const LAST = ['Ashworth', 'Patel', 'Hussain', 'Okafor', 'Chen', 'Williams', 'Fitzgerald-Brown'];
const nameOf = (n: number): string => `${TITLES[n % 4]} ${FIRST[n % 7]} ${LAST[(n >> 3) % 7]}`;

const usedMemory = async (redis: Redis): Promise<number> => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);

function holder(n: number, nowMs: number) {
  const created = new Date(nowMs - (n % 700) * 86_400_000).toISOString();
  return toCachedRole(
    {
      assignmentId: `RA${String(100_000_000 + n)}`,
      vpd: VPD,
      employeeNumber: String(20_000_000 + n),
      roleName: 'Digital Passport Administrator',
      roleCategory: 'NHS Supplementary Role',
      effectiveStartDate: created.slice(0, 10),
      effectiveEndDate: n % 10 === 0 ? '2099-03-31' : null,
      createdAt: created,
      lastUpdatedAt: created,
      personActive: true,
      systemPersonType: 'EMP',
      displayName: BENCH_NAMES ? nameOf(n) : null,
    },
    24 * 3_600_000,
  );
}

async function main(): Promise<void> {
  const holders = Number(process.argv[2] ?? 100_000);
  const prefix = `esr-gw-bench-mem:${randomBytes(3).toString('hex')}:`;
  const keys = new RedisKeySpace(prefix);
  const redis = new Redis(REDIS_URL);
  const stores = await redisStores({ url: REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 30_000 });
  try {
    const before = await usedMemory(redis);
    const lease = await stores.leases.acquire('sync', 'bench', 600_000);
    if (!lease) throw new Error('lease not taken');
    const now = Date.now();
    const { generation } = await stores.generations.beginGeneration(VPD, lease);
    for (let start = 0; start < holders; start += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, holders - start) }, (_, i) => holder(start + i, now));
      await stores.generations.writeGeneration(VPD, generation, rows, lease, now);
    }
    const at = new Date().toISOString();
    await stores.generations.commitGeneration(VPD, generation, lease, {
      watermark: at,
      at,
      held: false,
      lastRun: {
        runId: 'bench',
        mode: 'full',
        outcome: 'succeeded',
        added: holders,
        updated: 0,
        removed: 0,
        held: 0,
        durationMs: 0,
        finishedAt: at,
      },
    });
    const after = await usedMemory(redis);
    const usage: Array<[string, number]> = [];
    for (const key of [keys.vpds, keys.leaseFence('sync'), ...keys.vpdFamily(VPD)]) {
      const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      if (bytes > 0) usage.push([key, bytes]);
    }
    const slots = new Set(await Promise.all(usage.map(([key]) => redis.call('CLUSTER', 'KEYSLOT', key).catch(() => 'n/a'))));
    process.stdout.write(`${holders.toLocaleString('en-GB')} holders in VPD ${VPD}, key prefix ${keys.prefix}\n`);
    for (const [key, bytes] of usage) process.stdout.write(`  ${key.padEnd(50)} ${(bytes / MB).toFixed(2).padStart(8)} MB\n`);
    const total = usage.reduce((sum, [, bytes]) => sum + bytes, 0);
    process.stdout.write(
      `MEMORY USAGE total ${(total / MB).toFixed(1)} MB (${Math.round(total / holders)} B/holder); ` +
        `used_memory +${((after - before) / MB).toFixed(1)} MB; hash slots: ${[...slots].join(', ')}\n`,
    );
  } finally {
    await stores.close();
    await unlinkPrefix(redis, prefix);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

/**
 * Issue 21 (finding M2): a million distinct portal user ids that have no mappings, asked through the
 * mapping mirror's read path (read, then fill with the database's empty answer, as AccessResolver does,
 * 100 ids per call like one POST /v1/esr-access/batch), must leave Redis memory flat. Runs against a
 * private redis-server (so no other key moves used_memory) with the gateway's default negative
 * entries (MAPPING_CACHE_NEGATIVE_TTL PT1M, MAPPING_CACHE_NEGATIVE_MAX 50000). Reports used_memory and
 * the key count before, at checkpoints and after; the same ids written as the mirror wrote them before
 * issue 21 (a permanent `map:u:<id>` hash with `rows: "[]"`) under another prefix in the same run, for
 * the old figure; and checks that known users still answer their mappings, and that ids that gain a
 * mapping after being asked answer it at once; then, one TTL later, that the negatives are gone.
 *
 *   npm run -s bench:mirror                 (1,000,000 ids; --ids N for another count)
 */
import { startRedis } from '../test/support/servers';
import { DEFAULT_NEGATIVES, MirroredMapping } from '../src/mapping-cache/mapping-cache';
import { RedisMappingCache } from '../src/mapping-cache/redis-mapping-cache';
import { RedisKeySpace } from '../src/role-store/redis-keys';
import { redisStores } from '../src/role-store/stores';
import { numberArg, round, runInfo, writeResults } from './bench-report';

const BATCH = 100;
const IN_FLIGHT = 8;
const KNOWN = 1_000;
const PREFIX = 'bench-mirror:';

type Mirror = RedisMappingCache;
type Redis = Awaited<ReturnType<typeof redisStores>>['redis']['redis'];

const recordsOf = (n: number): MirroredMapping[] => [
  { vpd: '979', employeeNumber: String(30_000_000 + n), verified: true, esrStatus: null },
];

/** One access question for `ids` through the mirror: read, then fill every miss with the database's answer. */
async function ask(mirror: Mirror, ids: string[], answer: (id: string) => MirroredMapping[]): Promise<void> {
  const read = await mirror.read(ids);
  const fills = ids.flatMap((id) => {
    const user = read.users.get(id);
    return user?.kind === 'miss' ? [{ portalUserId: id, ticket: user.ticket, records: answer(id) }] : [];
  });
  if (fills.length > 0) await mirror.fillAndRead(fills, []);
}

async function memory(redis: Redis): Promise<{ usedMemory: number; keys: number }> {
  const info = await redis.info('memory');
  const usedMemory = Number(/used_memory:(\d+)/.exec(info)?.[1]);
  return { usedMemory, keys: await redis.dbsize() };
}

/** Asks `count` distinct unknown ids, BATCH at a time, IN_FLIGHT batches at once; a checkpoint per `every`. */
async function askUnknown(mirror: Mirror, redis: Redis, count: number, every: number) {
  const checkpoints: Array<{ asked: number; usedMemory: number; keys: number }> = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next += BATCH;
      const ids = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => `unknown.${start + i}@nhs.net`);
      await ask(mirror, ids, () => []);
      if ((start + BATCH) % every === 0) checkpoints.push({ asked: start + BATCH, ...(await memory(redis)) });
    }
  };
  const began = Date.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { checkpoints: checkpoints.sort((a, b) => a.asked - b.asked), seconds: (Date.now() - began) / 1000 };
}

/** Known users answer their mappings; asked-about ids that gain one answer it at once. */
async function checkAnswers(mirror: Mirror): Promise<{ known: number; knownRight: number; gained: number; gainedRight: number }> {
  const known = Array.from({ length: KNOWN }, (_, i) => `known.${i}@nhs.net`);
  let knownRight = 0;
  for (let i = 0; i < known.length; i += BATCH) {
    const read = await mirror.read(known.slice(i, i + BATCH));
    known.slice(i, i + BATCH).forEach((id, j) => {
      const user = read.users.get(id);
      if (user?.kind === 'hit' && JSON.stringify(user.records) === JSON.stringify(recordsOf(i + j))) knownRight++;
    });
  }
  const gained = Array.from({ length: BATCH }, (_, i) => `unknown.${i * 997}@nhs.net`); // asked, maybe still negative
  await mirror.release(gained, await mirror.hold(gained, Date.now())); // what a mapping write does around its commit
  await ask(mirror, gained, (id) => recordsOf(Number(/\d+/.exec(id)?.[0])));
  const read = await mirror.read(gained);
  const gainedRight = gained.filter((id) => {
    const user = read.users.get(id);
    return user?.kind === 'hit' && JSON.stringify(user.records) === JSON.stringify(recordsOf(Number(/\d+/.exec(id)?.[0])));
  }).length;
  return { known: KNOWN, knownRight, gained: gained.length, gainedRight };
}

/** The mirror before issue 21 stored every asked id for good: HSET map:u:<id> rows "[]" (no TTL). */
async function oldBehaviour(redis: Redis, count: number) {
  const base = await memory(redis);
  const keys = new RedisKeySpace('bench-mirror-old:');
  for (let start = 0; start < count; start += 10_000) {
    const pipeline = redis.pipeline();
    for (let i = start; i < Math.min(count, start + 10_000); i++) pipeline.hset(keys.mirrorEntry(`unknown.${i}@nhs.net`), 'rows', '[]');
    await pipeline.exec();
  }
  const end = await memory(redis);
  return { before: base, after: end, keysAdded: end.keys - base.keys, bytesPerId: round((end.usedMemory - base.usedMemory) / count, 1) };
}

async function main(): Promise<void> {
  const ids = numberArg('ids', 1_000_000);
  const server = await startRedis({ name: 'bench-mirror' });
  const stores = await redisStores({ url: server.url, keyPrefix: PREFIX });
  const redis = stores.redis.redis;
  try {
    const mirror = new RedisMappingCache(stores.redis, DEFAULT_NEGATIVES);
    const known = Array.from({ length: KNOWN }, (_, i) => `known.${i}@nhs.net`);
    for (let i = 0; i < KNOWN; i += BATCH) await ask(mirror, known.slice(i, i + BATCH), (id) => recordsOf(Number(/\d+/.exec(id)?.[0])));
    const before = await memory(redis);
    const run = await askUnknown(mirror, redis, ids, Math.max(BATCH, Math.floor(ids / 10 / BATCH) * BATCH));
    const after = await memory(redis);
    const negatives = await redis.zcard(stores.redis.keys.mirrorNegatives);
    const answers = await checkAnswers(mirror);
    await new Promise((resolve) => setTimeout(resolve, DEFAULT_NEGATIVES.ttlMs + 1_000));
    const afterTtl = { ...(await memory(redis)), negativeEntries: await redis.zcard(stores.redis.keys.mirrorNegatives) };
    const old = await oldBehaviour(redis, ids);
    const results = {
      ...runInfo(`npm run -s bench:mirror -- --ids ${ids}`),
      redis: 'private redis-server (test/support/servers), no persistence',
      negatives: DEFAULT_NEGATIVES,
      ids,
      idsPerSecond: Math.round(ids / run.seconds),
      before,
      checkpoints: run.checkpoints,
      after,
      negativeEntriesAfter: negatives,
      afterTtl,
      growthBytes: after.usedMemory - before.usedMemory,
      growthBytesPerId: round((after.usedMemory - before.usedMemory) / ids, 3),
      old,
      answers,
    };
    console.log(JSON.stringify(results, null, 2));
    console.log(`written to ${writeResults('mirror-unknown-ids', results)}`);
    if (answers.knownRight !== answers.known || answers.gainedRight !== answers.gained) process.exitCode = 1;
  } finally {
    await stores.close();
    await server.stop();
  }
}

void main();

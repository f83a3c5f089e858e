/**
 * Baseline servers for bench/access-http.ts, each in a process of its own (like the gateway):
 *   BENCH_BASELINE=json       bare Fastify answering a fixed JSON body;
 *   BENCH_BASELINE=redis-get  bare Fastify whose handler does one ioredis GET of a ~300-byte value, from the
 *                             Redis the gateway uses (BENCH_REDIS: bench/redis-topology.ts).
 * Started with fork(); sends { type: 'ready', url } and exits on { type: 'close' }.
 */
import Fastify from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import { connectBenchRedis } from './redis-topology';

const BODY = {
  portalUserId: 'hr.one@trust.nhs.uk',
  searchEnabled: true,
  enabledVpds: ['979'],
  asOf: '2026-11-25T10:12:00.000Z',
  nextChangeAt: null,
  mappings: [{ vpd: '979', employeeNumber: '30581377', state: 'ACTIVE', effectiveFrom: '2026-11-24T10:12:00.000Z' }],
};

async function main(): Promise<void> {
  const mode = process.env.BENCH_BASELINE ?? 'json';
  const app = Fastify({ logger: false });
  let redis: Redis | Cluster | undefined;
  if (mode === 'redis-get') {
    redis = connectBenchRedis(process.env, process.env.BENCH_REDIS_PREFIX ?? 'esr-gw-bench:baseline:');
    await redis.set('value', JSON.stringify(BODY).padEnd(300, ' '));
    const client = redis;
    app.get('/v1/users/:id/esr-access', async (_request, reply) => {
      const value = await client.get('value');
      void reply.header('content-type', 'application/json');
      return value;
    });
  } else {
    app.get('/v1/users/:id/esr-access', async () => BODY);
  }
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.send?.({ type: 'ready', url });
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'close') return;
    void (async () => {
      await app.close();
      if (redis) {
        await redis.del('value');
        redis.disconnect();
      }
      process.exit(0);
    })();
  });
}

void main();

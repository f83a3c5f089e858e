import { Test } from '@nestjs/testing';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { AppModule, Environment } from '../../src/app.module';
import { createFastifyAdapter, configureApp } from '../../src/app.factory';
import { Clock, FakeClock } from '../../src/common/clock/clock';

/** The shared services integration tests use (started by scripts/test-all.sh where absent). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const PORTAL_KEY = 'portal-test-key-0001';
export const OPS_KEY = 'ops-test-key-00002';
export const BOTH_KEY = 'both-test-key-0003';
export const TEST_API_KEYS = `portal1:${PORTAL_KEY}:portal,ops1:${OPS_KEY}:ops,both1:${BOTH_KEY}:portal+ops`;

const suffix = () => `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

/** A fresh, empty PostgreSQL database for one test file; drop() removes it. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `esr_gw_test_${suffix()}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A Redis key prefix unique to this test run; cleanup() deletes every key under it. */
export function createTestRedisPrefix(): { prefix: string; cleanup(): Promise<void> } {
  const prefix = `esr-gw-test:${suffix()}:`;
  return {
    prefix,
    cleanup: async () => {
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.unlink(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

export interface TestApp {
  app: NestFastifyApplication;
  clock: FakeClock;
  /** Closes the app, then removes its database and Redis keys. */
  close(): Promise<void>;
  /** Removes the database and Redis keys only (for a test that closes the app itself). */
  cleanup(): Promise<void>;
  /** The app's Redis key prefix and its database's URL (direct, not through any proxy). */
  redisPrefix: string;
  databaseUrl: string;
}

export interface TestAppOptions {
  /** Runs after the app is configured and before it starts, e.g. to add a test-only route. */
  beforeInit?: (app: NestFastifyApplication) => void;
  /** Rewrites the fresh database's URL before the app gets it (e.g. to go through a TCP proxy). */
  databaseUrl?: (url: string) => string;
}

/**
 * Starts the whole gateway in-process on the real PostgreSQL and Redis (fresh database and key
 * prefix), with a FakeClock. Pass `env` to override any variable (e.g. ESR_BASE_URL).
 */
export async function startTestApp(
  env: Environment = {},
  clock = new FakeClock(Date.now()),
  options: TestAppOptions = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const redis = createTestRedisPrefix();
  const fullEnv: Environment = {
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(db.url) : db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: redis.prefix,
    API_KEYS: TEST_API_KEYS,
    AUDIT_HMAC_SECRET: 'test-audit-hmac-secret-0123456789',
    LOG_LEVEL: 'silent',
    SYNC_ENABLED: 'false',
    ...env,
  };
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(fullEnv)] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), { logger: false });
  await configureApp(app);
  options.beforeInit?.(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const cleanup = async () => {
    await redis.cleanup();
    await db.drop();
  };
  return {
    app,
    clock,
    cleanup,
    redisPrefix: redis.prefix,
    databaseUrl: db.url,
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}

import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { AppModule, Environment } from '../../src/app.module';
import { createFastifyAdapter, configureApp } from '../../src/app.factory';
import { Clock, FakeClock } from '../../src/common/clock/clock';
import { AppConfig } from '../../src/config/app-config';
import { validateEnvironment } from '../../src/config/env.schema';
import { startSandbox } from '../../src/sandbox/sandbox.server';
import { TEST_SECRETS_ENV } from './test-secrets';

/** The shared services integration tests use (started by scripts/test-all.sh where absent). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export { BOTH_KEY, OPS_KEY, PORTAL_KEY, TEST_API_KEYS } from './test-secrets';

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

/** A Redis key prefix unique to this test run, with its own hash tag (kept as is); cleanup() deletes every key under it. */
export function createTestRedisPrefix(): { prefix: string; cleanup(): Promise<void> } {
  const prefix = `esr-gw-test:{${suffix()}}:`;
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
  /** The app's database URL (direct, not through any proxy) and Redis key prefix. */
  databaseUrl: string;
  redisPrefix: string;
  /** Closes the app, then removes its database and Redis keys. */
  close(): Promise<void>;
  /** Removes the database and Redis keys only (for a test that closes the app itself). */
  cleanup(): Promise<void>;
}

export interface TestAppOptions {
  /** Runs after the app is configured and before it starts, e.g. to add a test-only route. */
  beforeInit?: (app: NestFastifyApplication) => void;
  /** Rewrites the fresh database's URL before the app gets it (e.g. to go through a TCP proxy). */
  databaseUrl?: (url: string) => string;
  /** A second gateway instance on the same database and Redis prefix (its close() leaves them to the first). */
  shareStoresWith?: TestApp;
  /** Overrides providers of the testing module (e.g. the stores on another Redis topology). */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/**
 * Starts the whole gateway in-process on the real PostgreSQL and Redis (fresh database and key
 * prefix), with a FakeClock. Pass `env` to override any variable. Without ESR_BASE_URL, an ESR sandbox
 * on the same clock (default data) is started for the app and closed with it.
 */
export async function startTestApp(
  env: Environment = {},
  clock = new FakeClock(Date.now()),
  options: TestAppOptions = {},
): Promise<TestApp> {
  const shared = options.shareStoresWith;
  const db = shared ? { url: shared.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const redis = shared ? { prefix: shared.redisPrefix, cleanup: async () => undefined } : createTestRedisPrefix();
  const sandbox = env.ESR_BASE_URL ? undefined : await startSandbox({ port: 0, now: () => clock.now() });
  const fullEnv: Environment = {
    ...(sandbox ? { ESR_BASE_URL: sandbox.url } : {}),
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(db.url) : db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: redis.prefix,
    ...TEST_SECRETS_ENV,
    LOG_LEVEL: 'silent',
    SYNC_ENABLED: 'false',
    ...env,
  };
  const config = AppConfig.from(validateEnvironment(fullEnv));
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(Clock)
    .useValue(clock);
  const moduleRef = await (options.override ? options.override(builder) : builder).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config.settings.http.trustProxy), {
    logger: false,
  });
  await configureApp(app);
  options.beforeInit?.(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const cleanup = async () => {
    await sandbox?.close();
    await redis.cleanup();
    await db.drop();
  };
  return {
    app,
    clock,
    databaseUrl: db.url,
    redisPrefix: redis.prefix,
    cleanup,
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { reportStartupFailure } from './common/logging/startup-failure';
import { createApp } from './app.factory';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeys } from './config/settings/api-keys.settings';
import { AuditSettings } from './config/settings/audit.settings';
import { DatabaseSettings } from './config/settings/database.settings';
import { EsrSettings } from './config/settings/esr.settings';
import { HttpSettings } from './config/settings/http.settings';
import { LocalMode } from './config/settings/local-mode.settings';
import { RedisSettings } from './config/settings/redis.settings';
import { TracingSettings } from './config/settings/tracing.settings';
import { tracingStarted } from './common/tracing/tracer';
import { LifecycleService } from './health/lifecycle.service';

/** The start-up line: where it listens, on what, and (local mode) a warning of what is simulated. */
function logStarted(app: NestFastifyApplication, logger: Logger): void {
  const http = app.get(HttpSettings);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : http.port;
  const redis = app.get(RedisSettings).topology;
  const store = redis ? `redis ${redis.kind}` : 'in-process';
  const where = `${http.host}:${port} (database: ${app.get(DatabaseSettings).connection.kind}, store: ${store})`;
  if (app.get(LocalMode).enabled)
    logger.warn(
      `esr-gateway in LOCAL MODE listening on ${where}: ${app.get(ApiKeys).usesLocalKey ? 'the local development key, ' : ''}` +
        `${app.get(AuditSettings).usesLocalKey ? 'a fixed audit key, ' : ''}the built-in ESR sandbox (simulated data). ` +
        'For local use only; set NODE_ENV=production, DATABASE_URL or ESR_BASE_URL to leave local mode.',
    );
  for (const warning of http.insecureWarnings) logger.warn(warning);
  if (!app.get(LocalMode).enabled)
    logger.log(`esr-gateway listening on ${where}, ESR at ${new URL(app.get(EsrSettings).baseUrl as string).origin}`);
  if (tracingStarted()) logger.log(app.get(TracingSettings).describe());
}

async function bootstrap(): Promise<void> {
  const app = await createApp(process.env);
  const http = app.get(HttpSettings);
  const lifecycle = app.get(LifecycleService);
  const logger = new Logger('Main');
  await app.listen({ port: http.port, host: http.host });
  logStarted(app, logger);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    lifecycle.beginDraining();
    logger.log(`${signal} received: finishing in-flight requests, then closing`);
    const force = setTimeout(() => {
      logger.error(`shutdown took longer than ${http.shutdownGraceMs} ms; exiting`);
      process.exit(1);
    }, http.shutdownGraceMs);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

bootstrap().catch((error: unknown) => {
  reportStartupFailure(error, process.env);
  process.exit(1);
});

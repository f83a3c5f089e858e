import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigValidationError } from './config/env.schema';
import { createApp } from './app.factory';
import { AppConfig } from './config/app-config';
import { LifecycleService } from './health/lifecycle.service';

async function bootstrap(): Promise<void> {
  const app = await createApp(process.env);
  const config = app.get(AppConfig);
  const lifecycle = app.get(LifecycleService);
  const logger = new Logger('Main');
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const where = `${config.host}:${port} (database: ${config.database.kind}, store: ${config.redisUrl ? 'redis' : 'in-process'})`;
  if (config.localMode)
    logger.warn(
      `esr-gateway in LOCAL MODE listening on ${where}: ${config.usesLocalApiKey ? 'the local development key, ' : ''}` +
        `${config.usesLocalAuditKey ? 'a fixed audit key, ' : ''}the built-in ESR sandbox (simulated data). ` +
        'For local use only; set NODE_ENV=production, DATABASE_URL or ESR_BASE_URL to leave local mode.',
    );
  else logger.log(`esr-gateway listening on ${where}, ESR at ${new URL(config.esrBaseUrl as string).origin}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    lifecycle.beginDraining();
    logger.log(`${signal} received: finishing in-flight requests, then closing`);
    const force = setTimeout(() => {
      logger.error(`shutdown took longer than ${config.shutdownGraceMs} ms; exiting`);
      process.exit(1);
    }, config.shutdownGraceMs);
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
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`esr-gateway failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});

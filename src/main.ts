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
  if (config.usesLocalApiKey)
    logger.warn('API_KEYS is not set: using the local development key. For local use only; never expose this instance.');
  await app.listen({ port: config.port, host: config.host });
  logger.log(
    `esr-gateway listening on ${config.host}:${config.port} (database: ${config.database.kind}, cache: ${config.redisUrl ? 'redis' : 'in-process'}, ESR: ${config.esrBaseUrl ? 'remote' : 'built-in sandbox'})`,
  );

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

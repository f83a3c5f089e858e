import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ConfigValidationError, validateEnvironment } from '../config/env.schema';
import { buildDataSourceOptions } from './data-source-options';

/** Runs pending migrations and exits: the Helm pre-install/pre-upgrade Job runs this. */
async function main(): Promise<void> {
  const config = AppConfig.from(validateEnvironment(process.env));
  const dataSource = new DataSource(buildDataSourceOptions(config));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    process.stdout.write(
      `${JSON.stringify({ level: 'info', msg: 'migrations applied', count: applied.length, names: applied.map((m) => m.name) })}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigValidationError ? error.message : `migration failed: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});

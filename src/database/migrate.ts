import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigValidationError, validateEnvironment } from '../config/env.schema';
import { DatabaseSettings } from '../config/settings/database.settings';
import { StartupCheckError } from '../config/startup-check.errors';
import { checkPostgresAtStartup } from './postgres-startup-check';
import { buildDataSourceOptions } from './data-source-options';

/** Runs pending migrations and exits: the Helm pre-install/pre-upgrade Job runs this. */
async function main(): Promise<void> {
  const database = new DatabaseSettings(validateEnvironment(process.env));
  await checkPostgresAtStartup(database);
  const dataSource = new DataSource(buildDataSourceOptions(database));
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
  const message =
    error instanceof ConfigValidationError || error instanceof StartupCheckError
      ? error.message
      : `migration failed: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});

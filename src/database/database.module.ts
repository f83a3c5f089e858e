import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { StartupError } from '../common/logging/startup-failure';
import { DatabaseSettings } from '../config/settings/database.settings';
import { buildDataSourceOptions } from './data-source-options';

/** Connects (and migrates); a failure names the variable that chose the database. */
async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    const variable = options.type === 'postgres' ? 'DATABASE_URL' : 'SQLITE_PATH';
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`the database (${variable}) cannot be reached or migrated: ${reason}`, [variable], { cause: error });
  }
}

/** TypeORM on PostgreSQL (DATABASE_URL) or the embedded SQLite file; migrations at start-up. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [DatabaseSettings],
      useFactory: (database: DatabaseSettings) => ({
        ...buildDataSourceOptions(database),
        migrationsRun: database.runMigrations,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
      dataSourceFactory: (options) => openDataSource(options as DataSourceOptions),
    }),
  ],
})
export class DatabaseModule {}

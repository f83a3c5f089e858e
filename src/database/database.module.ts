import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseSettings } from '../config/settings/database.settings';
import { buildDataSourceOptions } from './data-source-options';

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
    }),
  ],
})
export class DatabaseModule {}

import { EnvironmentVariables } from '../env.schema';

/** PostgreSQL (DATABASE_URL) or the embedded SQLite file (SQLITE_PATH). */
export type DatabaseConnection = { kind: 'postgres'; url: string; poolSize: number } | { kind: 'sqlite'; path: string };

/** The database: which one, and whether pending migrations run at boot (DATABASE_MIGRATIONS_RUN). */
export class DatabaseSettings {
  readonly connection: DatabaseConnection;
  readonly runMigrations: boolean;

  constructor(env: EnvironmentVariables) {
    this.connection = env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
      : { kind: 'sqlite', path: env.SQLITE_PATH };
    this.runMigrations = env.DATABASE_MIGRATIONS_RUN;
  }
}

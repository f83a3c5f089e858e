import { EnvironmentVariables } from '../env.schema';

/** LOG_LEVEL of the root pino logger. */
export class LoggingSettings {
  readonly level: string;

  constructor(env: EnvironmentVariables) {
    this.level = env.LOG_LEVEL;
  }
}

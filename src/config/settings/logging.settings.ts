import { EnvironmentVariables } from '../env.schema';

/** LOG_LEVEL of the root pino logger; REQUEST_LOG: which successful requests get a request line. */
export class LoggingSettings {
  readonly level: string;
  /** The share of successful requests logged: 1 for `all`, 0 for `errors` (4xx and 5xx are always logged). */
  readonly requestLogShare: number;

  constructor(env: EnvironmentVariables) {
    this.level = env.LOG_LEVEL;
    this.requestLogShare = env.REQUEST_LOG === 'all' ? 1 : env.REQUEST_LOG === 'errors' ? 0 : Number(env.REQUEST_LOG);
  }
}

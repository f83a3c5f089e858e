import { EnvironmentVariables } from '../env.schema';

/** The shared store: Redis (REDIS_URL) or, when unset, the in-process store. */
export class RedisSettings {
  /** Redis URL, or undefined for the in-process store. */
  readonly url: string | undefined;
  /** Prefix of every key the gateway writes (REDIS_KEY_PREFIX). */
  readonly keyPrefix: string;

  constructor(env: EnvironmentVariables) {
    this.url = env.REDIS_URL;
    this.keyPrefix = env.REDIS_KEY_PREFIX;
  }
}

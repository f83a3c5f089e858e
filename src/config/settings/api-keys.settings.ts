import { ApiKey, LOCAL_DEV_API_KEY, parseApiKeys } from '../api-keys';
import { EnvironmentVariables } from '../env.schema';

/** The callers' API keys (API_KEYS), or the local development key in local mode without API_KEYS. */
export class ApiKeys {
  readonly keys: readonly ApiKey[];
  /** True when running on the local API key (local mode without API_KEYS). */
  readonly usesLocalKey: boolean;

  constructor(env: EnvironmentVariables) {
    this.usesLocalKey = !env.API_KEYS;
    this.keys = env.API_KEYS ? parseApiKeys(env.API_KEYS) : [LOCAL_DEV_API_KEY];
  }
}

import { EnvironmentVariables, isLocalMode } from '../env.schema';

/**
 * Local mode: no NODE_ENV=production, no DATABASE_URL and no ESR_BASE_URL. Only then the local API key,
 * the fixed audit key and the built-in ESR sandbox (sized by SANDBOX_*) are used, and the default listen
 * address is 127.0.0.1. Read by the bootstrap (src/esr-endpoint.bootstrap.ts, main.ts).
 */
export class LocalMode {
  readonly enabled: boolean;
  /** Size of the built-in ESR sandbox's data. */
  readonly sandbox: { seed: number; vpdCount: number; roleAssignments: number };

  constructor(env: EnvironmentVariables) {
    this.enabled = isLocalMode(env);
    this.sandbox = { seed: env.SANDBOX_SEED, vpdCount: env.SANDBOX_VPD_COUNT, roleAssignments: env.SANDBOX_ROLE_ASSIGNMENTS };
  }
}

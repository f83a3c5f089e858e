import { EnvironmentVariables, isLocalMode } from '../env.schema';
import { ms } from './parse';

/**
 * The ops status page (/status). STATUS_PAGE_ENABLED unset: on in local mode, and outside it only when
 * STATUS_PAGE_SESSION_SECRET is set (fail closed: no secret, no page).
 */
export class StatusPageSettings {
  readonly enabled: boolean;
  /** The session signing key; undefined means "local mode: make one per process". */
  readonly sessionSecret: string | undefined;
  readonly sessionTtlMs: number;
  /** A session unused this long ends (STATUS_PAGE_IDLE_TIMEOUT), beside the absolute sessionTtlMs. */
  readonly idleTimeoutMs: number;
  /** Cookies marked Secure: whenever the service is not in local mode. */
  readonly secureCookie: boolean;

  constructor(env: EnvironmentVariables) {
    const local = isLocalMode(env);
    const secret = env.STATUS_PAGE_SESSION_SECRET;
    this.enabled = (env.STATUS_PAGE_ENABLED ?? (local || secret !== undefined)) && (local || secret !== undefined);
    this.sessionSecret = secret;
    this.sessionTtlMs = ms(env.STATUS_PAGE_SESSION_TTL);
    this.idleTimeoutMs = ms(env.STATUS_PAGE_IDLE_TIMEOUT);
    this.secureCookie = !local;
  }
}

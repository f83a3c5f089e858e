import { EnvironmentVariables } from '../env.schema';
import { LOCAL_AUDIT_HMAC_SECRET } from '../weak-config';
import { ms } from './parse';

/** The audit trail: how criteria are hashed, how refusals are folded, how long events are kept. */
export class AuditSettings {
  /** HMAC key for search criteria in the audit (a fixed key in local mode only). */
  readonly hmacSecret: string;
  /** True when hashing with the fixed local key (local mode without AUDIT_HMAC_SECRET). */
  readonly usesLocalKey: boolean;
  /** Repeated refusals for one user and reason within this window are one audit row with a count. */
  readonly refusalWindowMs: number;
  /** AUDIT_RETENTION: audit events older than this are purged daily. */
  readonly retentionMs: number;

  constructor(env: EnvironmentVariables) {
    this.hmacSecret = env.AUDIT_HMAC_SECRET ?? LOCAL_AUDIT_HMAC_SECRET;
    this.usesLocalKey = !env.AUDIT_HMAC_SECRET;
    this.refusalWindowMs = ms(env.AUDIT_REFUSAL_WINDOW);
    this.retentionMs = ms(env.AUDIT_RETENTION);
  }
}

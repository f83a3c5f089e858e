import { EnvironmentVariables } from '../env.schema';
import { ms } from './parse';

/**
 * The access rules the operator configures (the inputs of access-evaluator's AccessPolicy, with
 * ESR_ROLE_NAME and ESR_VPDS from EsrSettings): activation delay, staleness, self-service mapping, the
 * mapping mirror's check interval and the support sentence.
 */
export class AccessSettings {
  /** A new role assignment grants access only after this (ACTIVATION_DELAY). */
  readonly activationDelayMs: number;
  /** Access older than this since the last sync is refused as stale (ACCESS_MAX_STALENESS). */
  readonly maxStalenessMs: number;
  /** Whether an acting user may map their own portal account (separation of duties is the default). */
  readonly mappingSelfService: boolean;
  /** How often the mapping mirror is compared with the database (and repaired). */
  readonly mappingCacheCheckIntervalMs: number;
  /** The mirror's answers for users without mappings: how long kept, how many at most (MAPPING_CACHE_NEGATIVE_TTL, _MAX). */
  readonly mappingCacheNegatives: { ttlMs: number; max: number };
  /** SUPPORT_CONTACT: a sentence added to reasons a person cannot act on themselves. */
  readonly supportContact: string | undefined;

  constructor(env: EnvironmentVariables) {
    this.activationDelayMs = ms(env.ACTIVATION_DELAY);
    this.maxStalenessMs = ms(env.ACCESS_MAX_STALENESS);
    this.mappingSelfService = env.MAPPING_SELF_SERVICE;
    this.mappingCacheCheckIntervalMs = ms(env.MAPPING_CACHE_CHECK_INTERVAL);
    this.mappingCacheNegatives = { ttlMs: ms(env.MAPPING_CACHE_NEGATIVE_TTL), max: env.MAPPING_CACHE_NEGATIVE_MAX };
    this.supportContact = env.SUPPORT_CONTACT?.trim() || undefined;
  }
}

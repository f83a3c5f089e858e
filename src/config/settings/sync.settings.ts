import { EnvironmentVariables } from '../env.schema';
import { ms } from './parse';

/** The sync from ESR: whether this replica schedules it, how often, its lease, and the removal guard. */
export class SyncSettings {
  /** SYNC_ENABLED: whether this replica runs the scheduled background work. */
  readonly enabled: boolean;
  readonly intervalMs: number;
  readonly fullSyncCron: string;
  readonly leaseTtlMs: number;
  /** A full sync removing more than this percent of the access it serves is held for review. */
  readonly removalGuardPercent: number;
  /** ...or more than this many removals, when set. */
  readonly removalGuardCount: number | undefined;

  constructor(env: EnvironmentVariables) {
    this.enabled = env.SYNC_ENABLED;
    this.intervalMs = ms(env.SYNC_INTERVAL);
    this.fullSyncCron = env.FULL_SYNC_CRON;
    this.leaseTtlMs = ms(env.SYNC_LEASE_TTL);
    this.removalGuardPercent = env.SYNC_REMOVAL_GUARD_PERCENT;
    this.removalGuardCount = env.SYNC_REMOVAL_GUARD_COUNT;
  }
}

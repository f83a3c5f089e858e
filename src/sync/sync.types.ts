/**
 * The role sync's own types: options, outcomes, dry runs, status and held-removal decisions. What the
 * sync stores about itself (run records, per-VPD sync state) is the role store's: sync-records.types.ts.
 */
import type { Lease } from '../role-store/lease-store';
import type { SyncLastRun, SyncMode, SyncProgress, SyncRunRecord, SyncRunVpdResult } from '../role-store/sync-records.types';
import type { SyncStateName } from '../domain/sync-state';

/** Name of the one lease every replica's syncer competes for. */
export const SYNC_LEASE = 'sync';
/** How long run records (and staged changes) stay readable, from any replica. */
export const RUN_RECORD_TTL_MS = 24 * 3_600_000;

/** Waits of the sync (for tests; the defaults suit production). */
export interface SyncOptions {
  apiRunLeaseWaitMs?: number;
  heldDecisionLeaseWaitMs?: number;
}

export const SYNC_OPTIONS = Symbol('SYNC_OPTIONS');

/** What one run did: 'skipped' when another replica (or run) held the lease. Never thrown. */
export interface SyncOutcome {
  runId: string;
  status: 'skipped' | 'succeeded' | 'failed';
  mode: SyncMode;
  vpds: SyncRunVpdResult[];
  reason: string | null;
}

export interface SyncRunOptions {
  mode: SyncMode;
  /** One VPD, or every VPD served (ESR_VPDS or the active VPDs ESR lists). */
  vpd?: string;
  trigger?: SyncRunRecord['trigger'];
  /** Wait this long for a run in progress to finish; 0 (default) skips at once. */
  waitForLeaseMs?: number;
  /** Leave out VPDs fully synced after this instant (ISO-8601 UTC), e.g. by another replica meanwhile. */
  fullSyncedSince?: string;
}

/** One VPD's run in progress: its lease (fencing token), the abort signal and a progress callback. */
export interface RunContext {
  runId: string;
  lease: Lease;
  signal: AbortSignal;
  onProgress: (processed: number) => void;
}

/** What a full or incremental run of one VPD changed. */
export interface VpdCounts {
  added: number;
  updated: number;
  removed: number;
  held: number;
  reason?: string;
}

export interface DryRunItem {
  vpd: string;
  assignmentId: string;
  employeeNumber: string;
}

export interface DryRunVpd {
  vpd: string;
  mode: SyncMode;
  added: number;
  updated: number;
  removed: number;
  /** The run would hold these removals (removal guard, full and incremental runs alike). */
  wouldHoldRemovals: boolean;
  reason?: string;
}

export interface DryRunResult {
  mode: SyncMode;
  added: DryRunItem[];
  updated: DryRunItem[];
  removed: DryRunItem[];
  counts: { added: number; updated: number; removed: number };
  /** The lists stop at DRY_RUN_LIST_LIMIT items each; the counts do not. */
  truncated: boolean;
  vpds: DryRunVpd[];
}

export interface SyncStatusVpd {
  vpd: string;
  state: SyncStateName;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastFullSyncAt: string | null;
  consecutiveFailures: number;
  holders: number;
  people: number;
  active: number;
  pending: number;
  lastRun: SyncLastRun | null;
  progress: SyncProgress | null;
  heldRemovals: number;
  heldSince: string | null;
  /** The run that held them (the first of an unbroken hold); null when nothing is held. */
  heldRun: SyncLastRun | null;
  lastError: string | null;
}

export interface SyncStatus {
  /** Holder id of the sync lease (the replica syncing now), or null. */
  leader: string | null;
  vpds: SyncStatusVpd[];
}

/** Who decided on held removals (for the audit). */
export interface DecisionActor {
  /** X-Acting-User: the person deciding (the audit's actor). */
  actingUser: string;
  apiKeyId: string;
  requestId?: string;
}

export interface HeldRemovalsDecision {
  vpd: string;
  decision: 'approved' | 'rejected';
  /** Removals that were held. */
  count: number;
  /** Rows removed from the cache (approve). */
  removed: number;
  /** The run that held them, and since when. */
  heldRunId: string | null;
  heldSince: string | null;
}

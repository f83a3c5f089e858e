/**
 * What the role sync keeps in the cache about itself: per-VPD sync state (stored next to the role
 * data, so it changes atomically with it) and run records. All instants are ISO-8601 UTC strings.
 */
import type { SyncStateName } from '../domain/sync-state';
import type { CachedRole } from './role.types';

export type SyncMode = 'incremental' | 'full';

/** A generation of one VPD's role data; the live one is what readers see. */
export type GenerationId = string;

/** Counts of one finished run of one VPD. */
export interface SyncLastRun {
  runId: string;
  mode: SyncMode;
  outcome: 'succeeded' | 'held' | 'failed';
  added: number;
  updated: number;
  removed: number;
  /** Removals held back by the removal guard (full and incremental runs). */
  held: number;
  durationMs: number;
  finishedAt: string;
}

/** Live progress of the run working on a VPD. */
export interface SyncProgress {
  runId: string;
  mode: SyncMode;
  phase: 'listing' | 'changes' | 'comparing' | 'switching';
  /** Items (assignments or changes) read from ESR so far. */
  processed: number;
  pages: number;
  startedAt: string;
}

/** Sync state of one VPD as stored with its data. */
export interface VpdSyncMeta {
  vpd: string;
  /** The generation readers see; null when the VPD has never been synced. */
  generation: GenerationId | null;
  /** A generation being built (or left over by a crashed run). */
  building: GenerationId | null;
  /** ESR watermark the live data is complete up to (stored with the data). */
  watermark: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastFullSyncAt: string | null;
  consecutiveFailures: number;
  /** Run id while a run works on this VPD (stays set if the process died mid-run). */
  running: string | null;
  lastOutcome: 'succeeded' | 'failed' | null;
  /** Short machine-readable reason of the last failure (no personal data). */
  lastError: string | null;
  lastRun: SyncLastRun | null;
  progress: SyncProgress | null;
  /** Removals held back by the removal guard, waiting for ops. */
  heldRemovals: number;
  heldSince: string | null;
  /** The run that held them (the first of an unbroken hold; later runs' removals join it); null when nothing is held. */
  heldRun: SyncLastRun | null;
  /** Bumped by every change of the live data by the syncer (switch, incremental apply, approve). */
  seq: number;
}

/** Counts of one VPD's live data at an instant. All in role assignments, except `people`. */
export interface VpdRoleCounts {
  /** Role assignments in the cache (current, future-dated, ended-but-listed, held). */
  holders: number;
  /** Distinct employee numbers among them. */
  people: number;
  /** Assignments that count now (active person, inside the window). */
  active: number;
  /** Assignments of active people whose window has not started yet. */
  pending: number;
}

export interface VpdSyncRecord extends VpdSyncMeta {
  /** Null when the VPD has no live data. */
  counts: VpdRoleCounts | null;
}

/** The diff of a batch written into a new generation, against the live one. */
export interface GenerationBatchDiff {
  added: number;
  updated: number;
  unchanged: number;
  /** Rows left out because a refresh wrote fresher data for that person meanwhile. */
  skipped: number;
}

export interface RoleRef {
  assignmentId: string;
  employeeNumber: string;
}

/** One change of the incremental feed, window already computed. */
export type CachedRoleChange = { op: 'upsert'; role: CachedRole } | { op: 'delete'; assignmentId: string };

export interface ChangeDiff {
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  /** Deletes that joined the held removals (holdRemovals). */
  held: number;
}

/** What a successful run stores with its data. */
export interface SyncCommit {
  watermark: string;
  at: string;
  lastRun: SyncLastRun;
}

/** An incremental run's commit: with holdRemovals, its deletes of rows that were live before it join the held removals. */
export interface ChangeCommit extends SyncCommit {
  holdRemovals?: boolean;
}

/** Fresh rows of one person, for refreshRecords. */
export interface RecordRoles {
  employeeNumber: string;
  roles: CachedRole[];
}

export type ReplaceRecordsResult = 'applied' | 'conflict' | 'not-synced';

/** abandoned: the replica running it died (its lease expired without it finishing). */
export type SyncRunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'abandoned';

export interface SyncRunVpdResult {
  vpd: string;
  mode: SyncMode;
  status: 'succeeded' | 'held' | 'failed';
  added: number;
  updated: number;
  removed: number;
  held: number;
  durationMs: number;
  /** Why a VPD's run fell back to (or needed) a full listing. */
  reason?: string;
  error?: string;
}

/** A run as any replica can read it back (kept with a TTL). */
export interface SyncRunRecord {
  runId: string;
  trigger: 'api' | 'schedule' | 'startup';
  mode: SyncMode;
  /** The VPD asked for, or null for all. */
  vpd: string | null;
  state: SyncRunState;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  holder: string | null;
  /** Refreshed each time the running replica renews its lease; absent in records written before it existed. */
  heartbeatAt?: string | null;
  progress: { vpdsTotal: number; vpdsDone: number; currentVpd: string | null; processed: number };
  vpds: SyncRunVpdResult[];
  /** Why the run was skipped or failed as a whole. */
  reason: string | null;
}

/** RUNNING while a run works on it, then FAILED after a failed last attempt, HELD while removals wait, else IDLE. */
export function deriveSyncState(meta: Pick<VpdSyncMeta, 'running' | 'lastOutcome' | 'heldRemovals'>): SyncStateName {
  if (meta.running) return 'RUNNING';
  if (meta.lastOutcome === 'failed') return 'FAILED';
  if (meta.heldRemovals > 0) return 'HELD';
  return 'IDLE';
}

export function emptyVpdMeta(vpd: string): VpdSyncMeta {
  return {
    vpd,
    generation: null,
    building: null,
    watermark: null,
    lastAttemptAt: null,
    lastSuccessAt: null,
    lastFullSyncAt: null,
    consecutiveFailures: 0,
    running: null,
    lastOutcome: null,
    lastError: null,
    lastRun: null,
    progress: null,
    heldRemovals: 0,
    heldSince: null,
    heldRun: null,
    seq: 0,
  };
}

import { GenerationMismatchError } from './role-store';
import type { AccessSnapshot, CachedRole, RecordKey } from './role.types';
import { recordKey } from './role.types';
import { eligibleRole, olderThan, sameRole } from './role-row.codec';
import {
  CachedRoleChange,
  ChangeDiff,
  deriveSyncState,
  emptyVpdMeta,
  GenerationBatchDiff,
  GenerationId,
  RecordRoles,
  ReplaceRecordsResult,
  RoleRef,
  SyncCommit,
  SyncLastRun,
  SyncProgress,
  SyncRunRecord,
  VpdRoleCounts,
  VpdSyncMeta,
  VpdSyncRecord,
} from './sync-records.types';

class Generation {
  /** employeeNumber -> assignmentId -> role */
  readonly rows = new Map<string, Map<string, CachedRole>>();
  /** assignmentId -> employeeNumber */
  readonly aidx = new Map<string, string>();
  /** People refreshed while this generation was being built: the listing does not overwrite them. */
  readonly pinned = new Set<string>();
  /** Held removals recorded while building. */
  readonly held = new Map<string, string>();

  get(assignmentId: string): CachedRole | undefined {
    const employee = this.aidx.get(assignmentId);
    return employee === undefined ? undefined : this.rows.get(employee)?.get(assignmentId);
  }

  put(role: CachedRole): CachedRole | undefined {
    const previousEmployee = this.aidx.get(role.assignmentId);
    let old: CachedRole | undefined;
    if (previousEmployee !== undefined && previousEmployee !== role.employeeNumber) old = this.delete(role.assignmentId);
    let list = this.rows.get(role.employeeNumber);
    if (!list) {
      list = new Map();
      this.rows.set(role.employeeNumber, list);
    }
    old = list.get(role.assignmentId) ?? old;
    list.set(role.assignmentId, { ...role });
    this.aidx.set(role.assignmentId, role.employeeNumber);
    return old;
  }

  delete(assignmentId: string): CachedRole | undefined {
    const employee = this.aidx.get(assignmentId);
    if (employee === undefined) return undefined;
    this.aidx.delete(assignmentId);
    const list = this.rows.get(employee);
    const old = list?.get(assignmentId);
    list?.delete(assignmentId);
    if (list && list.size === 0) this.rows.delete(employee);
    return old;
  }
}

interface VpdData {
  meta: VpdSyncMeta;
  genSeq: number;
  generations: Map<GenerationId, Generation>;
  held: Map<string, string>;
  stages: Map<string, Map<string, CachedRoleChange>>;
  /** Dry runs' lists of assignments seen (never live, never dropped by beginGeneration). */
  scratch: Map<GenerationId, Generation>;
}

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

const copy = (role: CachedRole): CachedRole => ({ ...role });

/**
 * The role sync's data for the in-process cache: the same model and semantics as the Redis store
 * (generations, atomic switch, fenced writes), kept in maps. Every method runs synchronously, so
 * each is atomic with respect to readers.
 */
export class MemoryRoleData {
  private readonly vpds = new Map<string, VpdData>();
  private readonly runs = new Map<string, Expiring<SyncRunRecord>>();
  /** Key snapshots of scans in progress (scanRemovals), so each chunk costs O(count). */
  private readonly scans = new Map<string, string[]>();

  constructor(private readonly nowMs: () => number) {}

  readAccess(keys: RecordKey[]): AccessSnapshot {
    const snapshot: AccessSnapshot = { vpds: new Map(), roles: new Map() };
    for (const key of keys) {
      const data = this.vpds.get(key.vpd);
      const live = data?.meta.generation ? data.generations.get(data.meta.generation) : undefined;
      if (!data || !live) continue;
      if (!snapshot.vpds.has(key.vpd)) {
        snapshot.vpds.set(key.vpd, {
          vpd: key.vpd,
          state: deriveSyncState(data.meta),
          lastSuccessAt: data.meta.lastSuccessAt,
          lastFullSyncAt: data.meta.lastFullSyncAt,
        });
      }
      const list = live.rows.get(key.employeeNumber);
      if (list && list.size > 0) snapshot.roles.set(recordKey(key.vpd, key.employeeNumber), [...list.values()].map(copy));
    }
    return snapshot;
  }

  readVpdSync(vpds: string[], atMs: number): Map<string, VpdSyncRecord> {
    const out = new Map<string, VpdSyncRecord>();
    for (const vpd of vpds) {
      const data = this.vpds.get(vpd);
      const meta = data ? structuredClone(data.meta) : emptyVpdMeta(vpd);
      const live = data?.meta.generation ? data.generations.get(data.meta.generation) : undefined;
      out.set(vpd, { ...meta, counts: live ? this.counts(live, atMs) : null });
    }
    return out;
  }

  knownVpds(): string[] {
    return [...this.vpds.keys()].sort();
  }

  lookupRoles(vpd: string, assignmentIds: string[]): Map<string, CachedRole> {
    const live = this.live(vpd);
    const out = new Map<string, CachedRole>();
    if (!live) return out;
    for (const id of assignmentIds) {
      const role = live.get(id);
      if (role) out.set(id, copy(role));
    }
    return out;
  }

  markStarted(vpd: string, runId: string, at: string, progress: SyncProgress): void {
    const meta = this.data(vpd).meta;
    meta.running = runId;
    meta.lastAttemptAt = at;
    meta.progress = { ...progress };
  }

  reportProgress(vpd: string, progress: SyncProgress): void {
    this.data(vpd).meta.progress = { ...progress };
  }

  markFailed(vpd: string, error: string, lastRun: SyncLastRun): number {
    const meta = this.data(vpd).meta;
    meta.consecutiveFailures += 1;
    meta.lastOutcome = 'failed';
    meta.lastError = error;
    meta.lastRun = { ...lastRun };
    meta.running = null;
    meta.progress = null;
    return meta.consecutiveFailures;
  }

  beginGeneration(vpd: string): { generation: GenerationId; dropped: number } {
    const data = this.data(vpd);
    let dropped = 0;
    for (const id of [...data.generations.keys()]) {
      if (id !== data.meta.generation) {
        data.generations.delete(id);
        dropped++;
      }
    }
    data.genSeq += 1;
    const generation = String(data.genSeq);
    data.generations.set(generation, new Generation());
    data.meta.building = generation;
    data.meta.seq += 1;
    return { generation, dropped };
  }

  writeGeneration(vpd: string, generation: GenerationId, roles: CachedRole[], progress?: SyncProgress): GenerationBatchDiff {
    const data = this.data(vpd);
    const build = this.building(data, vpd, generation);
    const live = data.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    const diff: GenerationBatchDiff = { added: 0, updated: 0, unchanged: 0, skipped: 0 };
    for (const role of roles) {
      if (build.pinned.has(role.employeeNumber)) {
        diff.skipped++;
        continue;
      }
      build.put(role);
      const old = live?.get(role.assignmentId);
      if (!old) diff.added++;
      else if (sameRole(old, role)) diff.unchanged++;
      else diff.updated++;
    }
    if (progress) data.meta.progress = { ...progress };
    return diff;
  }

  scanRemovals(vpd: string, generation: GenerationId, cursor: string, count: number): { cursor: string; removed: RoleRef[] } {
    const data = this.vpds.get(vpd);
    const live = data?.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    const target = data?.generations.get(generation) ?? data?.scratch.get(generation);
    if (!live) return { cursor: '0', removed: [] };
    const scanKey = `${vpd}:${data?.meta.generation}:${generation}`;
    if (cursor === '0') this.scans.set(scanKey, [...live.aidx.keys()]);
    const ids = this.scans.get(scanKey) ?? [];
    const start = cursor === '0' ? 0 : Number(cursor);
    const removed: RoleRef[] = [];
    for (const id of ids.slice(start, start + count)) {
      const employeeNumber = live.aidx.get(id);
      if (employeeNumber !== undefined && !target?.aidx.has(id)) removed.push({ assignmentId: id, employeeNumber });
    }
    const done = start + count >= ids.length;
    if (done) this.scans.delete(scanKey);
    return { cursor: done ? '0' : String(start + count), removed };
  }

  holdRemovals(vpd: string, generation: GenerationId, assignmentIds: string[]): number {
    const data = this.data(vpd);
    const build = this.building(data, vpd, generation);
    const live = data.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    if (!live) return 0;
    let held = 0;
    for (const id of assignmentIds) {
      const role = live.get(id);
      if (role && !build.aidx.has(id)) {
        build.put(role);
        build.held.set(id, role.employeeNumber);
        held++;
      }
    }
    return held;
  }

  commitGeneration(vpd: string, generation: GenerationId, commit: SyncCommit & { held: boolean }): GenerationId | null {
    const data = this.data(vpd);
    const build = this.building(data, vpd, generation);
    const previous = data.meta.generation;
    const meta = data.meta;
    meta.generation = generation;
    meta.building = null;
    meta.watermark = commit.watermark;
    meta.lastSuccessAt = commit.at;
    meta.lastFullSyncAt = commit.at;
    meta.consecutiveFailures = 0;
    meta.lastOutcome = 'succeeded';
    meta.lastError = null;
    meta.lastRun = { ...commit.lastRun };
    meta.running = null;
    meta.progress = null;
    meta.seq += 1;
    data.held.clear();
    if (commit.held && build.held.size > 0) for (const [id, employee] of build.held) data.held.set(id, employee);
    build.held.clear();
    build.pinned.clear();
    meta.heldRemovals = data.held.size;
    meta.heldSince = data.held.size > 0 ? commit.at : null;
    return previous;
  }

  dropGeneration(vpd: string, generation: GenerationId, currentFence: boolean): void {
    const data = this.vpds.get(vpd);
    if (!data) return;
    data.scratch.delete(generation);
    if (generation === data.meta.generation) return;
    if (generation === data.meta.building) {
      if (!currentFence) return;
      data.meta.building = null;
    }
    data.generations.delete(generation);
  }

  markSeen(vpd: string, scratch: GenerationId, refs: RoleRef[]): void {
    const data = this.data(vpd);
    let generation = data.scratch.get(scratch);
    if (!generation) {
      generation = new Generation();
      data.scratch.set(scratch, generation);
    }
    for (const ref of refs) generation.aidx.set(ref.assignmentId, ref.employeeNumber);
  }

  stageChanges(vpd: string, stageId: string, changes: CachedRoleChange[]): void {
    const data = this.data(vpd);
    let stage = data.stages.get(stageId);
    if (!stage) {
      stage = new Map();
      data.stages.set(stageId, stage);
    }
    for (const change of changes) {
      const id = change.op === 'delete' ? change.assignmentId : change.role.assignmentId;
      stage.set(id, change.op === 'delete' ? change : { op: 'upsert', role: copy(change.role) });
    }
  }

  applyChanges(vpd: string, stageId: string | null, changes: CachedRoleChange[], commit: SyncCommit): ChangeDiff {
    const data = this.data(vpd);
    const live = data.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    if (!live) throw new Error(`VPD ${vpd} has no live data to apply changes to`);
    const diff: ChangeDiff = { added: 0, updated: 0, removed: 0, unchanged: 0 };
    const apply = (change: CachedRoleChange): void => {
      if (change.op === 'delete') {
        if (live.delete(change.assignmentId)) diff.removed++;
        this.unhold(data, change.assignmentId);
        return;
      }
      const old = live.get(change.role.assignmentId);
      if (old && olderThan(change.role, old)) {
        diff.unchanged++;
        return;
      }
      live.put(change.role);
      this.unhold(data, change.role.assignmentId);
      if (!old) diff.added++;
      else if (sameRole(old, change.role)) diff.unchanged++;
      else diff.updated++;
    };
    if (stageId) {
      for (const change of data.stages.get(stageId)?.values() ?? []) apply(change);
      data.stages.delete(stageId);
    }
    for (const change of changes) apply(change);
    const meta = data.meta;
    meta.watermark = commit.watermark;
    meta.lastSuccessAt = commit.at;
    meta.consecutiveFailures = 0;
    meta.lastOutcome = 'succeeded';
    meta.lastError = null;
    meta.lastRun = { ...commit.lastRun, added: diff.added, updated: diff.updated, removed: diff.removed };
    meta.running = null;
    meta.progress = null;
    meta.seq += 1;
    return diff;
  }

  discardStage(vpd: string, stageId: string): void {
    this.vpds.get(vpd)?.stages.delete(stageId);
  }

  replaceRecords(vpd: string, records: RecordRoles[], expectedSeq: number): ReplaceRecordsResult {
    const data = this.vpds.get(vpd);
    if (!data || (!data.meta.generation && !data.meta.building)) return 'not-synced';
    if (data.meta.seq !== expectedSeq) return 'conflict';
    const targets: Array<{ generation: Generation; live: boolean }> = [];
    const live = data.meta.generation ? data.generations.get(data.meta.generation) : undefined;
    const build = data.meta.building ? data.generations.get(data.meta.building) : undefined;
    if (live) targets.push({ generation: live, live: true });
    if (build && build !== live) targets.push({ generation: build, live: false });
    for (const record of records) {
      const keep = new Set(record.roles.map((r) => r.assignmentId));
      for (const target of targets) {
        for (const id of [...(target.generation.rows.get(record.employeeNumber)?.keys() ?? [])]) {
          // ESR was asked again for this person: none of their rows' removals stays held.
          if (target.live) this.unhold(data, id);
          else target.generation.held.delete(id);
          if (!keep.has(id)) target.generation.delete(id);
        }
        for (const role of record.roles) {
          const old = target.generation.get(role.assignmentId);
          if (!(old && olderThan(role, old))) target.generation.put(role);
          if (target.live) this.unhold(data, role.assignmentId);
          else target.generation.held.delete(role.assignmentId);
        }
        if (!target.live) target.generation.pinned.add(record.employeeNumber);
      }
    }
    return 'applied';
  }

  approveHeld(vpd: string, count: number): { removed: number; remaining: number } {
    const data = this.data(vpd);
    const live = this.live(vpd);
    let removed = 0;
    for (const id of [...data.held.keys()].slice(0, count)) {
      if (live?.delete(id)) removed++;
      data.held.delete(id);
    }
    data.meta.heldRemovals = data.held.size;
    if (data.held.size === 0) data.meta.heldSince = null;
    data.meta.seq += 1;
    return { removed, remaining: data.held.size };
  }

  rejectHeld(vpd: string): number {
    const data = this.data(vpd);
    const count = data.held.size;
    data.held.clear();
    data.meta.heldRemovals = 0;
    data.meta.heldSince = null;
    return count;
  }

  saveRun(run: SyncRunRecord, ttlMs: number): void {
    const now = this.nowMs();
    this.runs.set(run.runId, { value: structuredClone(run), expiresAt: now + ttlMs });
    if (this.runs.size > 1000) for (const [id, entry] of this.runs) if (entry.expiresAt <= now) this.runs.delete(id);
  }

  readRun(runId: string): SyncRunRecord | null {
    const entry = this.runs.get(runId);
    if (!entry) return null;
    if (entry.expiresAt <= this.nowMs()) {
      this.runs.delete(runId);
      return null;
    }
    return structuredClone(entry.value);
  }

  private counts(live: Generation, atMs: number): VpdRoleCounts {
    let eligible = 0;
    let pending = 0;
    let ended = 0;
    for (const list of live.rows.values()) {
      for (const role of list.values()) {
        if (!eligibleRole(role)) continue;
        eligible++;
        if (Date.parse(role.effectiveFrom) > atMs) pending++;
        else if (role.effectiveUntil !== null && Date.parse(role.effectiveUntil) <= atMs) ended++;
      }
    }
    return { holders: live.aidx.size, people: live.rows.size, active: eligible - pending - ended, pending };
  }

  private unhold(data: VpdData, assignmentId: string): void {
    if (!data.held.delete(assignmentId)) return;
    data.meta.heldRemovals = data.held.size;
    if (data.held.size === 0) data.meta.heldSince = null;
  }

  private live(vpd: string): Generation | undefined {
    const data = this.vpds.get(vpd);
    return data?.meta.generation ? data.generations.get(data.meta.generation) : undefined;
  }

  private building(data: VpdData, vpd: string, generation: GenerationId): Generation {
    const build = data.generations.get(generation);
    if (data.meta.building !== generation || !build) throw new GenerationMismatchError(vpd, generation);
    return build;
  }

  private data(vpd: string): VpdData {
    let data = this.vpds.get(vpd);
    if (!data) {
      data = { meta: emptyVpdMeta(vpd), genSeq: 0, generations: new Map(), held: new Map(), stages: new Map(), scratch: new Map() };
      this.vpds.set(vpd, data);
    }
    return data;
  }
}

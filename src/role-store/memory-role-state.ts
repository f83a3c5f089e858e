import { GenerationMismatchError } from './role-generations';
import type { CachedRole } from './role.types';
import { CachedRoleChange, emptyVpdMeta, GenerationId, VpdSyncMeta } from './sync-records.types';

/** One generation of a VPD's roles in memory (the live one, one being built, or a dry run's list of assignments seen). */
export class Generation {
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

/** A VPD's role data in memory: its meta, generations, held removals and staged changes. */
export interface VpdData {
  meta: VpdSyncMeta;
  genSeq: number;
  generations: Map<GenerationId, Generation>;
  held: Map<string, string>;
  stages: Map<string, Map<string, CachedRoleChange>>;
  /** Dry runs' lists of assignments seen (never live, never dropped by beginGeneration). */
  scratch: Map<GenerationId, Generation>;
}

export const copyRole = (role: CachedRole): CachedRole => ({ ...role });

/**
 * The VPDs' role data in memory, shared by the parts of the in-process role data (reads, runs,
 * generations, changes). Every method runs synchronously, so each is atomic with respect to readers.
 */
export class MemoryRoleVpds {
  private readonly vpds = new Map<string, VpdData>();

  /** A VPD's data, if it has any. */
  find(vpd: string): VpdData | undefined {
    return this.vpds.get(vpd);
  }

  /** The VPDs that have data, sorted. */
  names(): string[] {
    return [...this.vpds.keys()].sort();
  }

  /** Releases a held removal of the live data (the assignment changed), keeping the meta's count. */
  unhold(data: VpdData, assignmentId: string): void {
    if (!data.held.delete(assignmentId)) return;
    data.meta.heldRemovals = data.held.size;
    if (data.held.size === 0) Object.assign(data.meta, { heldSince: null, heldRun: null });
  }

  /** A VPD's live generation, if it has one. */
  live(vpd: string): Generation | undefined {
    const data = this.vpds.get(vpd);
    return data?.meta.generation ? data.generations.get(data.meta.generation) : undefined;
  }

  /** The generation being built, or GenerationMismatchError when `generation` is not it (another run took over). */
  building(data: VpdData, vpd: string, generation: GenerationId): Generation {
    const build = data.generations.get(generation);
    if (data.meta.building !== generation || !build) throw new GenerationMismatchError(vpd, generation);
    return build;
  }

  /** A VPD's data, created empty on first use. */
  data(vpd: string): VpdData {
    let data = this.vpds.get(vpd);
    if (!data) {
      data = { meta: emptyVpdMeta(vpd), genSeq: 0, generations: new Map(), held: new Map(), stages: new Map(), scratch: new Map() };
      this.vpds.set(vpd, data);
    }
    return data;
  }
}

import type { AccessSnapshot, RecordKey } from '../../cache/role-cache.types';
import { MappingCache, MirrorEntry, MirrorFill, MirrorRead, MirrorUser } from './mapping-cache';

interface Entry {
  version: string;
  records: RecordKey[] | null;
  writers: number;
  heldAtMs: number;
}

/** Most users the in-process mirror keeps; beyond that the oldest entries not being written go. */
export const MEMORY_MIRROR_MAX_USERS = 200_000;

/**
 * The mapping mirror of the embedded default (one instance, in-process): same rules as the Redis
 * one. Versions come from one counter that never goes back; an entry dropped to bound memory
 * raises a floor so a fill ticketed before the drop cannot store a list read before it.
 */
export class MemoryMappingCache extends MappingCache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private seq = 0;
  private floor = 0;

  constructor(
    private readonly readRoles: (keys: RecordKey[]) => Promise<AccessSnapshot>,
    private readonly maxUsers = MEMORY_MIRROR_MAX_USERS,
  ) {
    super();
  }

  async read(portalUserIds: string[]): Promise<MirrorRead> {
    const users = new Map<string, MirrorUser>();
    const keys: RecordKey[] = [];
    for (const id of portalUserIds) {
      const entry = this.entries.get(id);
      if (entry && entry.writers > 0) users.set(id, { kind: 'held' });
      else if (entry?.records) {
        users.set(id, { kind: 'hit', records: entry.records.map((r) => ({ ...r })) });
        keys.push(...entry.records);
      } else users.set(id, { kind: 'miss', ticket: String(this.seq) });
    }
    return { users, snapshot: await this.readRoles(keys) };
  }

  async fillAndRead(fills: MirrorFill[], keys: RecordKey[]): Promise<{ filled: number; snapshot: AccessSnapshot }> {
    let filled = 0;
    for (const fill of fills) {
      const ticket = Number(fill.ticket);
      const entry = this.entries.get(fill.portalUserId);
      const current = entry ? Number(entry.version) <= ticket && entry.writers === 0 : this.floor <= ticket;
      if (!current) continue;
      this.entries.set(fill.portalUserId, {
        version: entry?.version ?? '0',
        records: fill.records.map((r) => ({ ...r })),
        writers: 0,
        heldAtMs: 0,
      });
      filled++;
    }
    this.bound();
    return { filled, snapshot: await this.readRoles(keys) };
  }

  async hold(portalUserIds: string[], nowMs: number): Promise<void> {
    for (const id of new Set(portalUserIds)) {
      const entry = this.entries.get(id);
      this.entries.set(id, { version: String(++this.seq), records: null, writers: (entry?.writers ?? 0) + 1, heldAtMs: nowMs });
    }
  }

  async release(portalUserIds: string[]): Promise<void> {
    for (const id of new Set(portalUserIds)) {
      const entry = this.entries.get(id);
      const writers = Math.max(0, (entry?.writers ?? 0) - 1);
      this.entries.set(id, { version: String(++this.seq), records: null, writers, heldAtMs: writers > 0 ? (entry?.heldAtMs ?? 0) : 0 });
    }
  }

  async scan(cursor: string, count: number): Promise<{ cursor: string; entries: MirrorEntry[] }> {
    const all = [...this.entries.keys()].sort();
    const start = Number(cursor);
    const page = all.slice(start, start + count);
    const next = start + count >= all.length ? '0' : String(start + count);
    return { cursor: next, entries: page.map((id) => ({ portalUserId: id, ...(this.entries.get(id) as Entry) })) };
  }

  async dropIfUnchanged(seen: MirrorEntry): Promise<boolean> {
    const entry = this.entries.get(seen.portalUserId);
    if (!entry || entry.version !== seen.version || entry.writers > 0 || !entry.records) return false;
    if (JSON.stringify(entry.records) !== JSON.stringify(seen.records)) return false;
    this.entries.set(seen.portalUserId, { ...entry, version: String(++this.seq), records: null });
    return true;
  }

  async clearStaleHold(portalUserId: string, heldBeforeMs: number): Promise<boolean> {
    const entry = this.entries.get(portalUserId);
    if (!entry || entry.writers === 0 || entry.heldAtMs >= heldBeforeMs) return false;
    this.entries.set(portalUserId, { version: String(++this.seq), records: null, writers: 0, heldAtMs: 0 });
    return true;
  }

  /** Drops the oldest entries without writers beyond maxUsers, raising the fill floor. */
  private bound(): void {
    if (this.entries.size <= this.maxUsers) return;
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.maxUsers) break;
      if (entry.writers > 0) continue;
      this.entries.delete(id);
      this.floor = this.seq + 1;
      this.seq += 1;
    }
  }
}

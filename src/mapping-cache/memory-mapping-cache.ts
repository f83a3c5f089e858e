import { randomUUID } from 'node:crypto';
import type { RoleReads } from '../role-store/role-reads';
import type { AccessSnapshot, RecordKey } from '../role-store/role.types';
import {
  DEFAULT_NEGATIVES,
  HoldToken,
  MappingCache,
  MirroredMapping,
  MirrorEntry,
  MirrorFill,
  MirrorRead,
  MirrorUser,
  NegativeEntries,
} from './mapping-cache';

interface Entry {
  version: number;
  records: MirroredMapping[] | null;
  /** Writers in progress: hold token -> when it began (ms). */
  holds: Map<HoldToken, number>;
}

/** Most users the in-process mirror keeps; beyond that the oldest entries not being written go. */
export const MEMORY_MIRROR_MAX_USERS = 200_000;

/**
 * The mapping mirror of the embedded default (one instance, in-process): same rules as the Redis
 * one. Versions come from one counter that never goes back, and a ticket is the counter's value at
 * the read: a fill stores only if the entry's version is not newer. Role data is read through RoleReads. An entry dropped to bound
 * memory raises a floor, so a fill ticketed before the drop cannot store a list read before it.
 * Users without mappings are negatives (id -> expiry, oldest first, capped), outside the entries.
 */
export class MemoryMappingCache extends MappingCache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  /** Users without mappings: id -> when the empty answer expires (ms), in insertion (= expiry) order. */
  private readonly negatives = new Map<string, number>();
  private seq = 0;
  private floor = 0;

  constructor(
    private readonly roles: Pick<RoleReads, 'readAccess'>,
    private readonly maxUsers = MEMORY_MIRROR_MAX_USERS,
    private readonly negative: NegativeEntries = DEFAULT_NEGATIVES,
    private readonly nowMs: () => number = Date.now,
  ) {
    super();
  }

  async read(portalUserIds: string[]): Promise<MirrorRead> {
    const users = new Map<string, MirrorUser>();
    const keys: RecordKey[] = [];
    for (const id of portalUserIds) {
      const entry = this.entries.get(id);
      if (entry && entry.holds.size > 0) users.set(id, { kind: 'held' });
      else if (entry?.records) {
        users.set(id, { kind: 'hit', records: entry.records.map((r) => ({ ...r })) });
        keys.push(...entry.records);
      } else if ((this.negatives.get(id) ?? 0) > this.nowMs()) users.set(id, { kind: 'hit', records: [] });
      else users.set(id, { kind: 'miss', ticket: String(this.seq) });
    }
    return { users, snapshot: await this.roles.readAccess(keys) };
  }

  async fillAndRead(fills: MirrorFill[], keys: RecordKey[]): Promise<{ filled: number; snapshot: AccessSnapshot }> {
    let filled = 0;
    for (const fill of fills) {
      const ticket = Number(fill.ticket);
      const entry = this.entries.get(fill.portalUserId);
      const current = entry ? entry.version <= ticket && entry.holds.size === 0 : this.floor <= ticket;
      if (!current) continue;
      if (fill.records.length === 0) {
        if (this.addNegative(fill.portalUserId)) filled++;
        continue;
      }
      this.negatives.delete(fill.portalUserId);
      this.entries.set(fill.portalUserId, { version: entry?.version ?? 0, records: fill.records.map((r) => ({ ...r })), holds: new Map() });
      filled++;
    }
    this.bound();
    return { filled, snapshot: await this.roles.readAccess(keys) };
  }

  async hold(portalUserIds: string[], nowMs: number): Promise<HoldToken> {
    const token = randomUUID();
    for (const id of new Set(portalUserIds)) this.invalidate(id).holds.set(token, nowMs);
    return token;
  }

  async release(portalUserIds: string[], token: HoldToken): Promise<void> {
    for (const id of new Set(portalUserIds)) this.invalidate(id).holds.delete(token);
  }

  async scan(cursor: string, count: number): Promise<{ cursor: string; entries: MirrorEntry[] }> {
    const all = [...this.entries.keys()].sort();
    const start = Number(cursor);
    const page = all.slice(start, start + count);
    const next = start + count >= all.length ? '0' : String(start + count);
    const entries = page.map((portalUserId): MirrorEntry => {
      const entry = this.entries.get(portalUserId) as Entry;
      return {
        portalUserId,
        version: String(entry.version),
        records: entry.records,
        writers: entry.holds.size,
        heldAtMs: entry.holds.size > 0 ? Math.min(...entry.holds.values()) : 0,
      };
    });
    return { cursor: next, entries };
  }

  async dropIfUnchanged(seen: MirrorEntry): Promise<boolean> {
    const entry = this.entries.get(seen.portalUserId);
    if (!entry || String(entry.version) !== seen.version || entry.holds.size > 0 || !entry.records) return false;
    if (JSON.stringify(entry.records) !== JSON.stringify(seen.records)) return false;
    this.invalidate(seen.portalUserId);
    return true;
  }

  async clearStaleHolds(portalUserId: string, heldBeforeMs: number): Promise<number> {
    const entry = this.entries.get(portalUserId);
    const stale = [...(entry?.holds ?? [])].filter(([, at]) => at < heldBeforeMs);
    if (stale.length === 0) return 0;
    const current = this.invalidate(portalUserId);
    for (const [token] of stale) current.holds.delete(token);
    return stale.length;
  }

  /** New version, cached list dropped; returns the entry (created when absent). */
  private invalidate(portalUserId: string): Entry {
    const entry = this.entries.get(portalUserId) ?? { version: 0, records: null, holds: new Map<HoldToken, number>() };
    entry.version = ++this.seq;
    entry.records = null;
    this.entries.set(portalUserId, entry);
    this.negatives.delete(portalUserId);
    return entry;
  }

  /** Keeps an empty answer for the negative TTL (its entry, if any, keeps no list); drops expired and excess ones. */
  private addNegative(portalUserId: string): boolean {
    if (this.negative.max <= 0) return false;
    const now = this.nowMs();
    const entry = this.entries.get(portalUserId);
    if (entry) entry.records = null;
    this.negatives.delete(portalUserId);
    this.negatives.set(portalUserId, now + this.negative.ttlMs);
    for (const [id, expires] of this.negatives) {
      if (expires > now && this.negatives.size <= this.negative.max) break;
      this.negatives.delete(id);
    }
    return true;
  }

  /** Drops the oldest entries without writers beyond maxUsers, raising the fill floor. */
  private bound(): void {
    if (this.entries.size <= this.maxUsers) return;
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.maxUsers) break;
      if (entry.holds.size > 0) continue;
      this.entries.delete(id);
      this.floor = ++this.seq;
    }
  }
}

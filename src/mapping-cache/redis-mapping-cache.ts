import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { roleMetaKey, roleVpdBase } from '../role-store/redis-role-commands';
import { addAccessReply } from '../role-store/redis-role-reads';
import type { AccessSnapshot, RecordKey } from '../role-store/role.types';
import { DependencyUnavailableError } from '../common/errors/domain-error';
import {
  decodeRecords,
  encodeRecords,
  HoldToken,
  MappingCache,
  MirroredMapping,
  MirrorEntry,
  MirrorFill,
  MirrorRead,
  MirrorUser,
  sameRecords,
} from './mapping-cache';
import * as scripts from './redis-mapping.scripts';

/** The stored list `seen` stands for: the raw one the scan read, unless the caller changed the records since. */
const storedForm = (seen: MirrorEntry, records: MirroredMapping[]): string =>
  seen.stored !== undefined && sameRecords(decodeRecords(seen.stored), records) ? seen.stored : encodeRecords(records);

type Reply = string | number | null | Reply[];
type VpdReply = [string, Array<string | null>, string[], Array<string | null>];

interface MirrorCommands {
  mirrorRead(numKeys: number, ...args: string[]): Promise<[Array<[string, string?]>, VpdReply[]]>;
  mirrorFillAndRead(numKeys: number, ...args: Array<string | number>): Promise<[number, VpdReply[]]>;
  mirrorHold(numKeys: number, ...args: Array<string | number>): Promise<number>;
  mirrorRelease(numKeys: number, ...args: string[]): Promise<number>;
  mirrorDropIfUnchanged(seq: string, entry: string, version: string, rows: string): Promise<number>;
  mirrorClearStaleHolds(seq: string, entry: string, heldBeforeMs: number): Promise<number>;
}

const SEQ_KEY = 'map:seq';
const ENTRY = 'map:u:';
const SENTINEL = '\u0000';

/**
 * The mapping mirror in Redis (layout and scripts: redis-mapping.scripts.ts), on the cache store's
 * connection, so a read is one EVALSHA on the connection the role data uses.
 */
export class RedisMappingCache extends MappingCache {
  readonly kind = 'redis' as const;
  private readonly redis: Redis & MirrorCommands;
  /** The parts of the role data's key layout around a VPD (ARGV[1..4] of the read scripts). */
  private readonly layout: string[];

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    super();
    this.redis = redis as Redis & MirrorCommands;
    this.redis.defineCommand('mirrorRead', { lua: scripts.READ });
    this.redis.defineCommand('mirrorFillAndRead', { lua: scripts.FILL_AND_READ });
    this.redis.defineCommand('mirrorHold', { lua: scripts.HOLD });
    this.redis.defineCommand('mirrorRelease', { lua: scripts.RELEASE });
    this.redis.defineCommand('mirrorDropIfUnchanged', { numberOfKeys: 2, lua: scripts.DROP_IF_UNCHANGED });
    this.redis.defineCommand('mirrorClearStaleHolds', { numberOfKeys: 2, lua: scripts.CLEAR_STALE_HOLDS });
    this.layout = [...roleVpdBase(keyPrefix, SENTINEL).split(SENTINEL), ...`${keyPrefix}${roleMetaKey(SENTINEL)}`.split(SENTINEL)];
  }

  async read(portalUserIds: string[]): Promise<MirrorRead> {
    const [users, vpds] = await this.redis.mirrorRead(portalUserIds.length, ...portalUserIds.map(entryKey), ...this.layout);
    const out = new Map<string, MirrorUser>();
    portalUserIds.forEach((id, i) => {
      const [kind, payload] = users[i];
      if (kind === 'hit') out.set(id, { kind: 'hit', records: decodeRecords(payload as string) });
      else if (kind === 'miss') out.set(id, { kind: 'miss', ticket: payload ?? '' });
      else out.set(id, { kind: 'held' });
    });
    return { users: out, snapshot: toSnapshot(vpds) };
  }

  async fillAndRead(fills: MirrorFill[], keys: RecordKey[]): Promise<{ filled: number; snapshot: AccessSnapshot }> {
    const args: Array<string | number> = [...fills.map((f) => entryKey(f.portalUserId)), ...this.layout];
    for (const fill of fills) args.push(fill.ticket, encodeRecords(fill.records));
    const byVpd = new Map<string, Set<string>>();
    for (const key of keys) byVpd.set(key.vpd, (byVpd.get(key.vpd) ?? new Set()).add(key.employeeNumber));
    for (const [vpd, employees] of byVpd) args.push(vpd, employees.size, ...employees);
    const [filled, vpds] = await this.redis.mirrorFillAndRead(fills.length, ...args);
    return { filled: Number(filled), snapshot: toSnapshot(vpds) };
  }

  async hold(portalUserIds: string[], nowMs: number): Promise<HoldToken> {
    const token = randomUUID();
    const users = [...new Set(portalUserIds)];
    if (users.length === 0) return token;
    try {
      await this.redis.mirrorHold(users.length + 1, SEQ_KEY, ...users.map(entryKey), token, Math.floor(nowMs));
    } catch (error) {
      throw new DependencyUnavailableError('redis', error);
    }
    return token;
  }

  async release(portalUserIds: string[], token: HoldToken): Promise<void> {
    const users = [...new Set(portalUserIds)];
    if (users.length > 0) await this.redis.mirrorRelease(users.length + 1, SEQ_KEY, ...users.map(entryKey), token);
  }

  async scan(cursor: string, count: number): Promise<{ cursor: string; entries: MirrorEntry[] }> {
    const [next, found] = await this.redis.scan(cursor, 'MATCH', `${this.keyPrefix}${ENTRY}*`, 'COUNT', count);
    const ids = found.map((key) => key.slice(this.keyPrefix.length + ENTRY.length));
    if (ids.length === 0) return { cursor: next, entries: [] };
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(entryKey(id));
    const replies = (await pipeline.exec()) ?? [];
    const entries = ids.map((portalUserId, i): MirrorEntry => {
      const [error, reply] = replies[i] ?? [];
      if (error) throw error;
      const fields = reply as Record<string, string>;
      const holds = Object.keys(fields)
        .filter((field) => field.startsWith('h:'))
        .map((field) => Number(fields[field]));
      return {
        portalUserId,
        version: fields.v ?? '',
        records: fields.rows === undefined ? null : decodeRecords(fields.rows),
        stored: fields.rows,
        writers: holds.length,
        heldAtMs: holds.length > 0 ? Math.min(...holds) : 0,
      };
    });
    return { cursor: next, entries };
  }

  async dropIfUnchanged(seen: MirrorEntry): Promise<boolean> {
    if (!seen.records) return false;
    return (
      (await this.redis.mirrorDropIfUnchanged(SEQ_KEY, entryKey(seen.portalUserId), seen.version, storedForm(seen, seen.records))) === 1
    );
  }

  async clearStaleHolds(portalUserId: string, heldBeforeMs: number): Promise<number> {
    return Number(await this.redis.mirrorClearStaleHolds(SEQ_KEY, entryKey(portalUserId), Math.floor(heldBeforeMs)));
  }
}

const entryKey = (portalUserId: string): string => `${ENTRY}${portalUserId}`;

function toSnapshot(vpds: Reply[] | VpdReply[]): AccessSnapshot {
  const snapshot: AccessSnapshot = { vpds: new Map(), roles: new Map() };
  for (const [vpd, meta, employees, rows] of vpds as VpdReply[]) addAccessReply(snapshot, vpd, employees, meta, rows);
  return snapshot;
}

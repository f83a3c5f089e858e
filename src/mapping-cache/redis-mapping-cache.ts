import { randomUUID } from 'node:crypto';
import type { MirrorVpdReply, ScriptedRedis } from '../role-store/redis-commands';
import type { RedisConnection } from '../role-store/redis-connection';
import { READ_KEYS_SIZE, RedisKeySpace } from '../role-store/redis-keys';
import { addAccessReply } from '../role-store/redis-role-reads';
import type { AccessSnapshot, RecordKey } from '../role-store/role.types';
import { DependencyUnavailableError } from '../common/errors/domain-error';
import {
  DEFAULT_NEGATIVES,
  decodeRecords,
  encodeRecords,
  HoldToken,
  MappingCache,
  MirroredMapping,
  MirrorEntry,
  MirrorFill,
  MirrorRead,
  MirrorUser,
  NegativeEntries,
  sameRecords,
} from './mapping-cache';

/** The stored list `seen` stands for: the raw one the scan read, unless the caller changed the records since. */
const storedForm = (seen: MirrorEntry, records: MirroredMapping[]): string =>
  seen.stored !== undefined && sameRecords(decodeRecords(seen.stored), records) ? seen.stored : encodeRecords(records);

/**
 * The mapping mirror in Redis, on the connection the role data uses (its key names: RedisKeySpace;
 * its scripts: src/role-store/redis-mirror.scripts.ts), so a read is one EVALSHA.
 */
export class RedisMappingCache extends MappingCache {
  readonly kind = 'redis' as const;
  private readonly redis: ScriptedRedis;
  private readonly keys: RedisKeySpace;
  /** The VPDs with role data, as the last read saw them (a read passes their keys). */
  private knownVpds: string[] = [];

  constructor(
    private readonly connection: RedisConnection,
    private readonly negatives: NegativeEntries = DEFAULT_NEGATIVES,
  ) {
    super();
    this.redis = connection.redis;
    this.keys = connection.keys;
  }

  async read(portalUserIds: string[]): Promise<MirrorRead> {
    // A hit naming a VPD that got role data since the last read costs one more round trip, once.
    for (let attempt = 1; ; attempt++) {
      const known = this.knownVpds;
      const [users, vpds, members] = await this.redis.mirrorRead(
        portalUserIds.length + 2 + known.length * READ_KEYS_SIZE,
        ...portalUserIds.map((id) => this.entryKey(id)),
        this.keys.vpds,
        this.keys.mirrorNegatives,
        ...known.flatMap((vpd) => this.keys.vpdReadKeys(vpd)),
        portalUserIds.length,
        ...known,
      );
      this.knownVpds = members;
      if (vpds !== 'stale') return { users: this.toUsers(portalUserIds, users), snapshot: toSnapshot(vpds) };
      if (attempt === 3) throw new DependencyUnavailableError('redis', new Error('the VPDs with role data kept changing'));
    }
  }

  private toUsers(portalUserIds: string[], users: Array<[string, string?]>): Map<string, MirrorUser> {
    const out = new Map<string, MirrorUser>();
    portalUserIds.forEach((id, i) => {
      const [kind, payload] = users[i];
      if (kind === 'hit') out.set(id, { kind: 'hit', records: decodeRecords(payload as string) });
      else if (kind === 'miss') out.set(id, { kind: 'miss', ticket: payload ?? '' });
      else out.set(id, { kind: 'held' });
    });
    return out;
  }

  async fillAndRead(fills: MirrorFill[], keys: RecordKey[]): Promise<{ filled: number; snapshot: AccessSnapshot }> {
    const byVpd = new Map<string, Set<string>>();
    for (const key of keys) byVpd.set(key.vpd, (byVpd.get(key.vpd) ?? new Set()).add(key.employeeNumber));
    const keyList = [
      ...fills.map((f) => this.entryKey(f.portalUserId)),
      this.keys.vpds,
      this.keys.mirrorNegatives,
      ...[...byVpd.keys()].flatMap((vpd) => this.keys.vpdReadKeys(vpd)),
    ];
    const args: Array<string | number> = [...keyList, fills.length, this.negatives.ttlMs, this.negatives.max];
    for (const fill of fills) args.push(fill.ticket, encodeRecords(fill.records));
    for (const [vpd, employees] of byVpd) args.push(vpd, employees.size, ...employees);
    const [filled, vpds, members] = await this.redis.mirrorFillAndRead(keyList.length, ...args);
    this.knownVpds = members;
    return { filled: Number(filled), snapshot: toSnapshot(vpds) };
  }

  async hold(portalUserIds: string[], nowMs: number): Promise<HoldToken> {
    const token = randomUUID();
    const users = [...new Set(portalUserIds)];
    if (users.length === 0) return token;
    try {
      const entries = users.map((id) => this.entryKey(id));
      await this.redis.mirrorHold(users.length + 2, this.keys.mirrorSeq, this.keys.mirrorNegatives, ...entries, token, Math.floor(nowMs));
    } catch (error) {
      throw new DependencyUnavailableError('redis', error);
    }
    return token;
  }

  async release(portalUserIds: string[], token: HoldToken): Promise<void> {
    const users = [...new Set(portalUserIds)];
    if (users.length === 0) return;
    const entries = users.map((id) => this.entryKey(id));
    await this.redis.mirrorRelease(
      users.length + 2,
      this.keys.mirrorSeq,
      this.keys.mirrorNegatives,
      ...entries,
      token,
      String(this.negatives.ttlMs),
    );
  }

  async scan(cursor: string, count: number): Promise<{ cursor: string; entries: MirrorEntry[] }> {
    const { cursor: next, keys: found } = await this.connection.scanKeys(cursor, this.keys.mirrorEntryPattern(), count);
    const ids = found.map((key) => this.keys.mirrorUserOf(key));
    if (ids.length === 0) return { cursor: next, entries: [] };
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.entryKey(id));
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
      (await this.redis.mirrorDropIfUnchanged(
        this.keys.mirrorSeq,
        this.entryKey(seen.portalUserId),
        seen.version,
        storedForm(seen, seen.records),
        this.negatives.ttlMs,
      )) === 1
    );
  }

  async clearStaleHolds(portalUserId: string, heldBeforeMs: number): Promise<number> {
    const entry = this.entryKey(portalUserId);
    return Number(await this.redis.mirrorClearStaleHolds(this.keys.mirrorSeq, entry, Math.floor(heldBeforeMs), this.negatives.ttlMs));
  }

  private entryKey(portalUserId: string): string {
    return this.keys.mirrorEntry(portalUserId);
  }
}

function toSnapshot(vpds: MirrorVpdReply[]): AccessSnapshot {
  const snapshot: AccessSnapshot = { vpds: new Map(), roles: new Map() };
  for (const [vpd, meta, employees, rows] of vpds) addAccessReply(snapshot, vpd, employees, meta, rows);
  return snapshot;
}

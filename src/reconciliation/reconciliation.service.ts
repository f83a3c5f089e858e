import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AccessResolver } from '../access-policy/access-resolver';
import { Clock } from '../common/clock/clock';
import { ValidationFailedError } from '../common/errors/domain-error';
import { MappingsService } from '../mappings/mappings.service';
import { ServedVpdCheck } from '../mappings/served-vpd-check';
import { RoleGenerations } from '../role-store/role-generations';
import { RoleReads } from '../role-store/role-reads';
import type { AccessSnapshot, CachedRole, RecordKey } from '../role-store/role.types';
import {
  compareKeys,
  itemKey,
  ReconciliationCounts,
  ReconciliationItem,
  ReconciliationKind,
  RECONCILIATION_KINDS,
  reconcile,
} from './reconciliation-rows';

/** Role rows read per cache round trip while listing a VPD's holders. */
const SCAN_COUNT = 1000;

export interface ReconciliationPage {
  vpd: string;
  asOf: string;
  /** The VPD's last successful sync; null when never synced (then only mapping rows can be listed). */
  lastSyncedAt: string | null;
  counts: ReconciliationCounts;
  items: ReconciliationItem[];
  nextCursor: string | null;
}

const encodeCursor = (key: [number, string, string]) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

function decodeCursor(cursor: string): [number, string, string] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === 3 &&
      Number.isInteger(key[0]) &&
      key[0] >= 0 &&
      key[0] < RECONCILIATION_KINDS.length &&
      typeof key[1] === 'string' &&
      typeof key[2] === 'string'
    )
      return key as [number, string, string];
  } catch {
    // fall through
  }
  throw new ValidationFailedError('cursor is not valid: pass nextCursor of a previous page unchanged', [
    { field: 'cursor', message: 'cursor is not valid' },
  ]);
}

/**
 * Reconciliation for one VPD (the LSA's to-do list), served from the synced role data and the
 * database only, never ESR. Query budget: one database query for the VPD's mappings; the VPD's
 * live role rows listed SCAN_COUNT at a time, then read with readAccess in chunks of SCAN_COUNT
 * records. Every page is cut from the same sorted list; the cursor names the last item served.
 */
@Injectable()
export class ReconciliationService {
  constructor(
    private readonly roles: RoleReads,
    private readonly generations: RoleGenerations,
    private readonly mappings: MappingsService,
    private readonly resolver: AccessResolver,
    private readonly served: ServedVpdCheck,
    private readonly clock: Clock,
  ) {}

  /** One page of rows (of one kind, or all), with the counts of every kind. */
  async page(vpd: string, options: { kind?: ReconciliationKind; cursor?: string; limit: number }): Promise<ReconciliationPage> {
    const after = options.cursor ? decodeCursor(options.cursor) : null;
    const report = await this.report(vpd);
    const rows = report.items.filter((i) => (!options.kind || i.kind === options.kind) && (!after || compareKeys(itemKey(i), after) > 0));
    const items = rows.slice(0, options.limit);
    const nextCursor = rows.length > options.limit ? encodeCursor(itemKey(items[items.length - 1])) : null;
    return { ...report, items, nextCursor };
  }

  /** Every row (of one kind, or all): the CSV download. */
  async all(vpd: string, kind?: ReconciliationKind): Promise<ReconciliationItem[]> {
    return (await this.report(vpd)).items.filter((i) => !kind || i.kind === kind);
  }

  private async report(vpd: string): Promise<Omit<ReconciliationPage, 'nextCursor'>> {
    await this.served.assertServed(vpd);
    const [mappings, holderNumbers] = await Promise.all([this.mappings.listVpd(vpd), this.holderNumbers(vpd)]);
    const keys: RecordKey[] = [...new Set([...holderNumbers, ...mappings.map((m) => m.employeeNumber)])].map((employeeNumber) => ({
      vpd,
      employeeNumber,
    }));
    // One key at least, so the VPD's freshness is read even with no holders and no mappings.
    const snapshot = await this.readAll(keys.length > 0 ? keys : [{ vpd, employeeNumber: '00000000' }]);
    const holders = new Map<string, CachedRole[]>();
    for (const number of holderNumbers) holders.set(number, snapshot.roles.get(`${vpd}:${number}`) ?? []);
    const now = this.clock.nowMs();
    const { items, counts } = reconcile(vpd, holders, mappings, snapshot, now, this.resolver.policy);
    return { vpd, asOf: new Date(now).toISOString(), lastSyncedAt: snapshot.vpds.get(vpd)?.lastSuccessAt ?? null, counts, items };
  }

  /**
   * Employee numbers with a live role row in the VPD. Lists through scanRemovals against a
   * generation that never exists (so every live row is "missing" from it): the cache's existing
   * chunked, read-only scan of a VPD's live rows.
   */
  private async holderNumbers(vpd: string): Promise<Set<string>> {
    const numbers = new Set<string>();
    const none = `reconciliation-${randomUUID()}`;
    let cursor = '0';
    do {
      const page = await this.generations.scanRemovals(vpd, none, cursor, SCAN_COUNT);
      for (const ref of page.removed) numbers.add(ref.employeeNumber);
      cursor = page.cursor;
    } while (cursor !== '0');
    return numbers;
  }

  private async readAll(keys: RecordKey[]): Promise<AccessSnapshot> {
    const snapshot: AccessSnapshot = { vpds: new Map(), roles: new Map() };
    for (let i = 0; i < keys.length; i += SCAN_COUNT) {
      const part = await this.roles.readAccess(keys.slice(i, i + SCAN_COUNT));
      for (const [k, v] of part.vpds) snapshot.vpds.set(k, v);
      for (const [k, v] of part.roles) snapshot.roles.set(k, v);
    }
    return snapshot;
  }
}

import { Injectable } from '@nestjs/common';
import { AccessResolver } from '../access-policy/access-resolver';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import { EsrSettings } from '../config/settings/esr.settings';
import { MappingsService } from '../mappings/mappings.service';
import { RoleReads } from '../role-store/role-reads';
import type { AccessSnapshot, RecordKey } from '../role-store/role.types';
import { AccessReviewItem, compareReviewKeys, reviewKey, ReviewKey, reviewRows } from './access-review-rows';

/** Records read per cache round trip. */
const READ_CHUNK = 1000;

export type AccessReviewFormat = 'json' | 'csv';

/** Who asked for the review (the audit's actor and key). */
export interface Reviewer {
  actingUser: string;
  apiKeyId: string;
  requestId?: string;
}

export interface AccessReview {
  vpd: string;
  asOf: string;
  items: AccessReviewItem[];
}

export interface AccessReviewPage extends AccessReview {
  nextCursor: string | null;
}

const encodeCursor = (key: ReviewKey): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

function decodeCursor(cursor: string): ReviewKey {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === 'string')) return key as ReviewKey;
  } catch {
    // fall through
  }
  throw new ValidationFailedError('cursor is not valid: pass nextCursor of a previous page unchanged', [
    { field: 'cursor', message: 'cursor is not valid' },
  ]);
}

/**
 * Access reviews (information governance, DSPT): who can use Search ESR in a VPD, every mapping with
 * its state as the access endpoint judges it, who created it and when ESR last confirmed it. Served
 * from the database and the synced role data, never ESR. Every request is audited as
 * ACCESS_REVIEW_EXPORTED (acting user, VPD, format, rows) before the rows leave.
 *
 * Query budget: one database query for the VPD's mappings; the role data read READ_CHUNK records
 * per cache round trip; one audit insert.
 */
@Injectable()
export class AccessReviewService {
  constructor(
    private readonly mappings: MappingsService,
    private readonly roles: RoleReads,
    private readonly resolver: AccessResolver,
    private readonly esr: EsrSettings,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  /** One page (JSON), after the row the cursor names. */
  async page(vpd: string, options: { cursor?: string; limit: number }, by: Reviewer): Promise<AccessReviewPage> {
    const after = options.cursor ? decodeCursor(options.cursor) : null;
    const review = await this.review(vpd);
    const rows = after ? review.items.filter((i) => compareReviewKeys(reviewKey(i), after) > 0) : review.items;
    const items = rows.slice(0, options.limit);
    const nextCursor = rows.length > options.limit ? encodeCursor(reviewKey(items[items.length - 1])) : null;
    await this.audited(vpd, 'json', items.length, by, { firstPage: after === null, lastPage: nextCursor === null });
    return { ...review, items, nextCursor };
  }

  /** Every row (the CSV export). */
  async all(vpd: string, by: Reviewer): Promise<AccessReview> {
    const review = await this.review(vpd);
    await this.audited(vpd, 'csv', review.items.length, by, {});
    return review;
  }

  private async review(vpd: string): Promise<AccessReview> {
    const served = this.esr.vpds;
    if (served && !served.includes(vpd)) throw new NotFoundError(`VPD ${vpd} is not one of the VPDs this gateway serves (ESR_VPDS).`);
    const mappings = await this.mappings.listVpd(vpd);
    const snapshot = await this.readAll(mappings.map((m) => ({ vpd, employeeNumber: m.employeeNumber })));
    const now = this.clock.nowMs();
    return { vpd, asOf: new Date(now).toISOString(), items: reviewRows(mappings, snapshot, now, this.resolver.policy) };
  }

  private async audited(
    vpd: string,
    format: AccessReviewFormat,
    rows: number,
    by: Reviewer,
    extra: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.record({
      type: 'ACCESS_REVIEW_EXPORTED',
      actor: by.actingUser,
      apiKeyId: by.apiKeyId,
      requestId: by.requestId ?? null,
      vpd,
      outcome: 'EXPORTED',
      details: { format, rows, ...extra },
    });
  }

  private async readAll(keys: RecordKey[]): Promise<AccessSnapshot> {
    const snapshot: AccessSnapshot = { vpds: new Map(), roles: new Map() };
    for (let i = 0; i < keys.length; i += READ_CHUNK) {
      const part = await this.roles.readAccess(keys.slice(i, i + READ_CHUNK));
      for (const [k, v] of part.vpds) snapshot.vpds.set(k, v);
      for (const [k, v] of part.roles) snapshot.roles.set(k, v);
    }
    return snapshot;
  }
}

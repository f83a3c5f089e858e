import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AccessChangeRecorder } from '../access-events/access-change.recorder';
import type { ChangeCause } from '../access-events/access-change';
import { AccessResolver } from '../access/access-resolver';
import { MappingCache } from '../mapping-cache/mapping-cache';
import type { MappingAccess } from '../access/access.types';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { lockPortalUsers } from '../database/user-locks';
import { recordKey } from '../role-store/role.types';
import { isTransientConflict, isUniqueViolation } from './database-errors';
import type { ImportEsrMappingsResultDto, ImportRowErrorDto } from './dto/import-mappings.dto';
import { EsrMapping } from './esr-mapping.entity';
import { EsrRecordChecker, EsrRecordNotFoundError, RecordCheck } from './esr-record-checker';
import { MAX_MAPPINGS_PER_USER } from './identifiers';
import { ImportRow, planImport } from './import-plan';
import { checkImportRow } from './mapping-input';
import {
  ChangeContext,
  conflictWith,
  describeRecord,
  limitReached,
  mappingEvent,
  MappingInput,
  newMappingRow,
  verificationOf,
} from './mapping-rows';
import { refuseSelfMapping } from './self-mapping.policy';

export { MappingExistsError, RecordMappedToOtherUserError } from './mapping-rows';
export type { ChangeContext, MappingInput } from './mapping-rows';

/** How often a write that lost a race (unique index, deadlock) is evaluated again before giving up. */
const MAX_ATTEMPTS = 3;
/** Rows per INSERT statement (12 columns each). */
const INSERT_CHUNK = 250;

/** A saved mapping with the access state of that record right after the save. */
export interface CreatedMapping {
  row: EsrMapping;
  access: Pick<MappingAccess, 'state' | 'reason'>;
}

/**
 * "Manage User": the links between portal users and ESR records, and the ONE place they are
 * written (adds, deletes, ESR check results). One ESR record (VPD + employee number) belongs to at
 * most one portal user, enforced by the unique index uq_esr_mappings_record as well as checked first
 * (so concurrent writers get the same 409 as sequential ones). Every write commits its audit events
 * and its access-change events (AccessChangeRecorder) in the same transaction, and holds the
 * mapping mirror (access resolution's copy in the cache) around it (see writing()).
 *
 * Query budget: list/listForUsers one query; create one ESR call (EsrRecordChecker) plus one
 * transaction; import one cache round trip, at most one ESR call per row not in the synced role data
 * (bounded concurrency, within ESR_INTERACTIVE_DEADLINE) and one transaction.
 */
@Injectable()
export class MappingsService {
  private readonly logger = new Logger(MappingsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly checker: EsrRecordChecker,
    private readonly recorder: AccessChangeRecorder,
    private readonly resolver: AccessResolver,
    private readonly config: AppConfig,
    private readonly mirror: MappingCache,
  ) {}

  /** The user's mappings, oldest first. */
  async list(portalUserId: string): Promise<EsrMapping[]> {
    return this.listForUsers([portalUserId]);
  }

  /** Mappings of several users in ONE query, ordered by user, then oldest first. */
  async listForUsers(portalUserIds: string[]): Promise<EsrMapping[]> {
    if (portalUserIds.length === 0) return [];
    return this.dataSource.getRepository(EsrMapping).find({
      where: { portalUserId: portalUserIds.length === 1 ? portalUserIds[0] : In(portalUserIds) },
      order: { portalUserId: 'ASC', createdAt: 'ASC', vpd: 'ASC', employeeNumber: 'ASC' },
    });
  }

  /**
   * Adds one mapping after looking the record up in ESR. 422 ESR_RECORD_NOT_FOUND when ESR does
   * not know it (nothing written); saved unverified when ESR is unavailable or slow. 409
   * MAPPING_EXISTS when this user already has it, 409 ESR_RECORD_MAPPED_TO_OTHER_USER when another
   * user does, 422 when the user is at the cap.
   */
  async create(portalUserId: string, input: MappingInput, ctx: ChangeContext): Promise<CreatedMapping> {
    const refusal = refuseSelfMapping({ selfServiceAllowed: this.config.mappingSelfService }, ctx.actor, portalUserId);
    if (refusal) {
      await this.audit.record({ ...mappingEvent('MAPPING_REFUSED', { portalUserId, ...input }, ctx), outcome: 'SELF_MAPPING' });
      throw new DomainError('FORBIDDEN', refusal);
    }
    const owner = await this.dataSource
      .getRepository(EsrMapping)
      .findOne({ where: { vpd: input.vpd, employeeNumber: input.employeeNumber } });
    if (owner) throw conflictWith(owner, portalUserId, input);
    const check = await this.checker.lookUp(input);
    if (check.status === 'NOT_FOUND') throw new EsrRecordNotFoundError(input);
    const row = await this.writing([portalUserId], () => this.insertOne(portalUserId, input, ctx, check));
    const [access] = await this.resolver.evaluate([portalUserId], [row]);
    const { state, reason } = access.mappings[0];
    return { row, access: { state, reason } };
  }

  private async insertOne(portalUserId: string, input: MappingInput, ctx: ChangeContext, check: RecordCheck): Promise<EsrMapping> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          await lockPortalUsers(manager, [portalUserId]);
          const existing = await manager.findOne(EsrMapping, { where: { vpd: input.vpd, employeeNumber: input.employeeNumber } });
          if (existing) throw conflictWith(existing, portalUserId, input);
          const count = await manager.count(EsrMapping, { where: { portalUserId } });
          if (count >= MAX_MAPPINGS_PER_USER) {
            const limit = limitReached(portalUserId);
            throw new ValidationFailedError(limit.message, limit.details);
          }
          const before = await this.recorder.capture(manager, [portalUserId]);
          const row = newMappingRow(portalUserId, input, ctx.actor, this.clock.now(), check);
          await manager.insert(EsrMapping, row);
          await this.audit.record(mappingEvent('MAPPING_CREATED', row, ctx, { verified: row.verified }), manager);
          await this.recorder.commit(manager, before);
          return row;
        });
      } catch (error) {
        if (!isUniqueViolation(error) && !isTransientConflict(error)) throw error;
        // Lost a race with a concurrent writer: the index refused the row. Report as the check would have.
        const owner = await this.dataSource
          .getRepository(EsrMapping)
          .findOne({ where: { vpd: input.vpd, employeeNumber: input.employeeNumber } });
        if (owner) throw conflictWith(owner, portalUserId, input);
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** Deletes one mapping of this user; 404 when there is none. */
  async delete(portalUserId: string, key: MappingInput, ctx: ChangeContext): Promise<void> {
    await this.writing([portalUserId], () => this.deleteOne(portalUserId, key, ctx));
  }

  private async deleteOne(portalUserId: string, key: MappingInput, ctx: ChangeContext): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const before = await this.recorder.capture(manager, [portalUserId]);
      const row = await manager.findOne(EsrMapping, { where: { portalUserId, vpd: key.vpd, employeeNumber: key.employeeNumber } });
      const removed = row ? await manager.delete(EsrMapping, { id: row.id }) : undefined;
      if (!row || removed?.affected === 0) throw new NotFoundError(`${describeRecord(key)} is not mapped to portal user ${portalUserId}.`);
      await this.audit.record(mappingEvent('MAPPING_DELETED', row, ctx), manager);
      await this.recorder.commit(manager, before);
    });
  }

  /** Deletes every mapping of a portal account being removed (a MAPPING_DELETED event each); 0 when it had none. */
  async deleteAll(portalUserId: string, ctx: ChangeContext): Promise<{ deleted: number }> {
    return this.writing([portalUserId], () => this.deleteAllOf(portalUserId, ctx));
  }

  private async deleteAllOf(portalUserId: string, ctx: ChangeContext): Promise<{ deleted: number }> {
    return this.dataSource.transaction(async (manager) => {
      await lockPortalUsers(manager, [portalUserId]);
      const before = await this.recorder.capture(manager, [portalUserId]);
      const rows = await manager.find(EsrMapping, { where: { portalUserId } });
      if (rows.length === 0) return { deleted: 0 };
      await manager.delete(EsrMapping, { portalUserId });
      await this.audit.recordMany(
        rows.map((row) => mappingEvent('MAPPING_DELETED', row, ctx, { source: 'account-removed' })),
        manager,
      );
      await this.recorder.commit(manager, before);
      this.logger.log({ msg: 'all ESR mappings of a portal user deleted', deleted: rows.length });
      return { deleted: rows.length };
    });
  }

  /**
   * Bulk import (at most 1,000 rows; the DTO checks the count). Each row is validated on its own,
   * then decided by planImport (order-independent except for real conflicts). Rows that would be
   * written are checked against ESR first (EsrRecordChecker.checkMany: rows in the synced role
   * data need no call; the rest within ESR_INTERACTIVE_DEADLINE; those not reached are written
   * unverified and checked in the background). All writes go in ONE transaction with their
   * MAPPING_CREATED events; a race lost to a concurrent writer re-runs the decision.
   */
  async import(items: unknown[], ctx: ChangeContext): Promise<ImportEsrMappingsResultDto> {
    const invalid: ImportRowErrorDto[] = [];
    const rows: ImportRow[] = [];
    items.forEach((raw, index) => {
      const check = checkImportRow(raw);
      const refusal =
        check.ok && refuseSelfMapping({ selfServiceAllowed: this.config.mappingSelfService }, ctx.actor, check.value.portalUserId);
      if (!check.ok) invalid.push({ index, error: 'VALIDATION_FAILED', message: check.message, details: check.details });
      else if (refusal) invalid.push({ index, error: 'FORBIDDEN', message: refusal });
      else rows.push({ index, ...check.value });
    });
    const draft = planImport(rows, await this.owners(this.dataSource.manager, rows), new Map());
    const toCheck = [...new Map(draft.create.map((r) => [recordKey(r.vpd, r.employeeNumber), r])).values()];
    const checks = await this.checker.checkMany(toCheck, Date.now() + this.config.esrInteractiveDeadlineMs);

    for (let attempt = 1; ; attempt++) {
      try {
        const users = [...new Set(rows.map((r) => r.portalUserId))];
        const outcome = await this.writing(users, () =>
          this.dataSource.transaction((manager) => this.writeImport(manager, rows, checks, ctx)),
        );
        const errors = invalid.concat(outcome.errors).sort((a, b) => a.index - b.index);
        const result = { created: outcome.created, skipped: outcome.skipped, unverified: outcome.unverified, errors };
        this.logger.log({ msg: 'ESR mappings imported', ...result, errors: errors.length });
        return result;
      } catch (error) {
        if ((!isUniqueViolation(error) && !isTransientConflict(error)) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async writeImport(manager: EntityManager, rows: ImportRow[], checks: Map<string, RecordCheck>, ctx: ChangeContext) {
    const users = [...new Set(rows.map((r) => r.portalUserId))];
    await lockPortalUsers(manager, users);
    const counts = new Map<string, number>();
    if (users.length > 0) {
      const countRows = await manager
        .createQueryBuilder(EsrMapping, 'm')
        .select('m.portalUserId', 'portalUserId')
        .addSelect('COUNT(*)', 'count')
        .where('m.portalUserId IN (:...users)', { users })
        .groupBy('m.portalUserId')
        .getRawMany<{ portalUserId: string; count: string | number }>();
      for (const row of countRows) counts.set(row.portalUserId, Number(row.count));
    }
    const plan = planImport(rows, await this.owners(manager, rows), counts, checks);
    const now = this.clock.now();
    const created = plan.create.map((c) => newMappingRow(c.portalUserId, c, ctx.actor, now, c.check));
    const before = await this.recorder.capture(manager, [...new Set(created.map((r) => r.portalUserId))]);
    // Insert in index order of the unique key so two concurrent imports lock index entries in the same order.
    const sorted = [...created].sort((a, b) => recordKey(a.vpd, a.employeeNumber).localeCompare(recordKey(b.vpd, b.employeeNumber)));
    for (let i = 0; i < sorted.length; i += INSERT_CHUNK) await manager.insert(EsrMapping, sorted.slice(i, i + INSERT_CHUNK));
    await this.audit.recordMany(
      created.map((row) => mappingEvent('MAPPING_CREATED', row, ctx, { source: 'import', verified: row.verified })),
      manager,
    );
    await this.recorder.commit(manager, before);
    return { created: created.length, skipped: plan.skipped, unverified: created.filter((r) => !r.verified).length, errors: plan.errors };
  }

  /**
   * Every write of mappings runs through here. The mapping mirror (access resolution's copy in the
   * cache) is held for these users before the database write and released after it, so no instance
   * answers from a list older than the write once it returns (src/mapping-cache/mapping-cache.ts). A hold that fails
   * throws DEPENDENCY_UNAVAILABLE (503) with nothing written; a release that fails leaves the users
   * held, which is safe (they are read from the database until the consistency check clears it).
   */
  private async writing<T>(portalUserIds: string[], write: () => Promise<T>): Promise<T> {
    if (portalUserIds.length === 0) return write();
    const hold = await this.mirror.hold(portalUserIds, this.clock.nowMs());
    try {
      return await write();
    } finally {
      await this.mirror.release(portalUserIds, hold).catch((error: unknown) => {
        this.logger.warn({
          msg: 'mapping mirror not released after a write; those users are read from the database until the consistency check clears the hold',
          users: new Set(portalUserIds).size,
          error: (error as Error).message,
        });
      });
    }
  }

  /** recordKey -> owning portal user, for these rows' records. */
  private async owners(manager: EntityManager, rows: ImportRow[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const vpds = [...new Set(rows.map((c) => c.vpd))];
    const numbers = [...new Set(rows.map((c) => c.employeeNumber))];
    for (let i = 0; i < numbers.length; i += INSERT_CHUNK * 2) {
      const found = await manager.find(EsrMapping, {
        select: { vpd: true, employeeNumber: true, portalUserId: true },
        where: { vpd: In(vpds), employeeNumber: In(numbers.slice(i, i + INSERT_CHUNK * 2)) },
      });
      for (const row of found) owners.set(recordKey(row.vpd, row.employeeNumber), row.portalUserId);
    }
    return owners;
  }

  /**
   * Stores what ESR checks found for these rows (background verifier, access refresh): verified
   * rows get their display name, NOT_FOUND rows turn NOT_FOUND_IN_ESR, UNKNOWN rows are checked
   * again after `retryAt`. Access-change events for the users in the same transaction.
   */
  async recordChecks(results: Array<{ row: EsrMapping; check: RecordCheck; retryAt?: Date }>, cause: ChangeCause): Promise<void> {
    if (results.length === 0) return;
    const now = this.clock.now();
    const users = [...new Set(results.map((r) => r.row.portalUserId))];
    await this.writing(users, () =>
      this.dataSource.transaction(async (manager) => {
        const before = await this.recorder.capture(manager, users);
        for (const { row, check, retryAt } of results) {
          const update =
            check.status === 'UNKNOWN'
              ? { checkAfter: retryAt ?? now, checkAttempts: row.checkAttempts + 1 }
              : { ...verificationOf(check, now), displayName: check.status === 'FOUND' ? (check.displayName ?? row.displayName) : null };
          await manager.update(EsrMapping, { id: row.id }, update);
        }
        await this.recorder.commit(manager, before, cause);
      }),
    );
  }

  /** Rows due for a background ESR check (check_after passed), oldest first. */
  async dueChecks(limit: number): Promise<EsrMapping[]> {
    return this.dataSource
      .getRepository(EsrMapping)
      .createQueryBuilder('m')
      .where('m.checkAfter <= :now', { now: this.clock.now() })
      .orderBy('m.checkAfter', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Makes every unconfirmed mapping of a VPD due for a check now (its role data just changed). */
  async requeueUnverified(vpd: string): Promise<number> {
    const result = await this.dataSource.getRepository(EsrMapping).update({ vpd, verified: false }, { checkAfter: this.clock.now() });
    return result.affected ?? 0;
  }

  /** Distinct VPDs with at least one mapping. */
  async mappedVpds(): Promise<string[]> {
    const rows = await this.dataSource
      .getRepository(EsrMapping)
      .createQueryBuilder('m')
      .select('DISTINCT m.vpd', 'vpd')
      .getRawMany<{ vpd: string }>();
    return rows.map((r) => r.vpd).sort();
  }

  /** Every mapping in a VPD, by employee number (reconciliation, monitor). */
  async listVpd(vpd: string): Promise<EsrMapping[]> {
    return this.dataSource.getRepository(EsrMapping).find({ where: { vpd }, order: { employeeNumber: 'ASC' } });
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import { MappingCache } from '../access/mapping-cache/mapping-cache';
import { AuditService, NewAuditEvent } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { DomainError, ErrorDetail, NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import { isTransientConflict, isUniqueViolation } from './database-errors';
import type { ImportEsrMappingsResultDto, ImportRowErrorDto } from './dto/import-mappings.dto';
import { EsrMapping } from './esr-mapping.entity';
import { MAX_MAPPINGS_PER_USER } from './identifiers';
import { checkImportRow } from './mapping-input';
import { isSelfMapping, refuseSelfMapping } from './self-mapping.policy';
import { AppConfig } from '../config/app-config';

/** Who made a change, for the audit trail. */
export interface ChangeContext {
  /** X-Acting-User. */
  actor: string;
  apiKeyId: string;
  requestId: string;
}

export interface MappingInput {
  vpd: string;
  employeeNumber: string;
}

/** How often a write that lost a race (unique index, deadlock) is evaluated again before giving up. */
const MAX_ATTEMPTS = 3;
/** Rows per INSERT statement (6 columns each). */
const INSERT_CHUNK = 500;

const describe = (m: MappingInput) => `VPD ${m.vpd} employee number ${m.employeeNumber}`;

export class MappingExistsError extends DomainError {
  constructor(m: MappingInput) {
    super('MAPPING_EXISTS', `${describe(m)} is already mapped to this portal user.`);
  }
}

export class RecordMappedToOtherUserError extends DomainError {
  constructor(m: MappingInput) {
    super(
      'ESR_RECORD_MAPPED_TO_OTHER_USER',
      `The ESR record ${describe(m)} is already mapped to another portal user; one ESR record belongs to one portal account.`,
    );
  }
}

function limitReached(portalUserId: string): { message: string; details: ErrorDetail[] } {
  const message = `Portal user ${portalUserId} already has the maximum of ${MAX_MAPPINGS_PER_USER} ESR mappings; delete one before adding another.`;
  return { message, details: [{ field: 'portalUserId', message: `at most ${MAX_MAPPINGS_PER_USER} ESR mappings per portal user` }] };
}

/**
 * "Manage User": the links between portal users and ESR records. One ESR record (VPD + employee
 * number) belongs to at most one portal user, enforced by the unique index uq_esr_mappings_record
 * as well as checked first (so concurrent writers get the same 409 as sequential ones). Every add
 * and delete writes its audit event in the same transaction.
 */
@Injectable()
export class MappingsService {
  private readonly logger = new Logger(MappingsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
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
   * Adds one mapping. 409 MAPPING_EXISTS when this user already has it, 409
   * ESR_RECORD_MAPPED_TO_OTHER_USER when another user does, 422 when the user is at the cap.
   */
  async create(portalUserId: string, input: MappingInput, ctx: ChangeContext): Promise<EsrMapping> {
    const refusal = refuseSelfMapping({ selfServiceAllowed: this.config.mappingSelfService }, ctx.actor, portalUserId);
    if (refusal) {
      await this.audit.record({ ...this.event('MAPPING_REFUSED', { portalUserId, ...input }, ctx), outcome: 'SELF_MAPPING' });
      throw new DomainError('FORBIDDEN', refusal);
    }
    return this.writing([portalUserId], () => this.insertOne(portalUserId, input, ctx));
  }

  private async insertOne(portalUserId: string, input: MappingInput, ctx: ChangeContext): Promise<EsrMapping> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          await this.lockUsers(manager, [portalUserId]);
          const existing = await manager.findOne(EsrMapping, { where: { vpd: input.vpd, employeeNumber: input.employeeNumber } });
          if (existing) throw this.conflict(existing, portalUserId, input);
          const count = await manager.count(EsrMapping, { where: { portalUserId } });
          if (count >= MAX_MAPPINGS_PER_USER) {
            const limit = limitReached(portalUserId);
            throw new ValidationFailedError(limit.message, limit.details);
          }
          const row = this.newRow(portalUserId, input, ctx);
          await manager.insert(EsrMapping, row);
          await this.audit.record(this.event('MAPPING_CREATED', row, ctx), manager);
          return row;
        });
      } catch (error) {
        if (!isUniqueViolation(error) && !isTransientConflict(error)) throw error;
        // Lost a race with a concurrent writer: the index refused the row. Report as the check would have.
        const owner = await this.dataSource
          .getRepository(EsrMapping)
          .findOne({ where: { vpd: input.vpd, employeeNumber: input.employeeNumber } });
        if (owner) throw this.conflict(owner, portalUserId, input);
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** Deletes one mapping of this user; 404 when there is none. */
  async delete(portalUserId: string, key: MappingInput, ctx: ChangeContext): Promise<void> {
    await this.writing([portalUserId], () =>
      this.dataSource.transaction(async (manager) => {
        const row = await manager.findOne(EsrMapping, { where: { portalUserId, vpd: key.vpd, employeeNumber: key.employeeNumber } });
        const removed = row ? await manager.delete(EsrMapping, { id: row.id }) : undefined;
        if (!row || removed?.affected === 0) throw new NotFoundError(`${describe(key)} is not mapped to portal user ${portalUserId}.`);
        await this.audit.record(this.event('MAPPING_DELETED', row, ctx), manager);
      }),
    );
  }

  /**
   * Bulk import (at most 1,000 rows; the DTO checks the count). Each row is validated on its own:
   * - invalid rows are reported as VALIDATION_FAILED and not written;
   * - a row whose VPD + employee number belongs to another portal user (in the database, or in an
   *   earlier row of this import: the first row wins) is reported as ESR_RECORD_MAPPED_TO_OTHER_USER;
   * - a row that would take its user past the cap is reported as VALIDATION_FAILED;
   * - a row identical to an existing mapping, or to an earlier row of this import, is `skipped`;
   * - every other row is written, all of them in ONE transaction with their MAPPING_CREATED events.
   * If a concurrent writer wins a race for a record meanwhile, the whole evaluation runs again.
   */
  async import(items: unknown[], ctx: ChangeContext): Promise<ImportEsrMappingsResultDto> {
    const errors: ImportRowErrorDto[] = [];
    const candidates: Array<MappingInput & { index: number; portalUserId: string }> = [];
    let skippedInFile = 0;
    const firstByRecord = new Map<string, { index: number; portalUserId: string }>();
    items.forEach((raw, index) => {
      const check = checkImportRow(raw);
      if (!check.ok) {
        errors.push({ index, error: 'VALIDATION_FAILED', message: check.message, details: check.details });
        return;
      }
      const row = { index, portalUserId: check.value.portalUserId, vpd: check.value.vpd, employeeNumber: check.value.employeeNumber };
      const refusal = refuseSelfMapping({ selfServiceAllowed: this.config.mappingSelfService }, ctx.actor, row.portalUserId);
      if (refusal) {
        errors.push({ index, error: 'FORBIDDEN', message: refusal });
        return;
      }
      const key = `${row.vpd}:${row.employeeNumber}`;
      const first = firstByRecord.get(key);
      if (!first) {
        firstByRecord.set(key, row);
        candidates.push(row);
      } else if (first.portalUserId === row.portalUserId) {
        skippedInFile++;
      } else {
        errors.push({
          index,
          error: 'ESR_RECORD_MAPPED_TO_OTHER_USER',
          message: `The ESR record ${describe(row)} is mapped to another portal user by row ${first.index} of this import.`,
        });
      }
    });

    for (let attempt = 1; ; attempt++) {
      try {
        const users = candidates.map((c) => c.portalUserId);
        const outcome = await this.writing(users, () =>
          this.dataSource.transaction((manager) => this.writeImport(manager, candidates, ctx)),
        );
        const all = errors.concat(outcome.errors).sort((a, b) => a.index - b.index);
        this.logger.log(
          { created: outcome.created, skipped: outcome.skipped + skippedInFile, errors: all.length },
          'ESR mappings imported',
        );
        return { created: outcome.created, skipped: outcome.skipped + skippedInFile, errors: all };
      } catch (error) {
        if ((!isUniqueViolation(error) && !isTransientConflict(error)) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async writeImport(
    manager: EntityManager,
    candidates: Array<MappingInput & { index: number; portalUserId: string }>,
    ctx: ChangeContext,
  ): Promise<{ created: number; skipped: number; errors: ImportRowErrorDto[] }> {
    const errors: ImportRowErrorDto[] = [];
    if (candidates.length === 0) return { created: 0, skipped: 0, errors };
    const users = [...new Set(candidates.map((c) => c.portalUserId))];
    await this.lockUsers(manager, users);

    const vpds = [...new Set(candidates.map((c) => c.vpd))];
    const numbers = [...new Set(candidates.map((c) => c.employeeNumber))];
    const existing = new Map<string, EsrMapping>();
    for (let i = 0; i < numbers.length; i += INSERT_CHUNK) {
      const rows = await manager.find(EsrMapping, { where: { vpd: In(vpds), employeeNumber: In(numbers.slice(i, i + INSERT_CHUNK)) } });
      for (const row of rows) existing.set(`${row.vpd}:${row.employeeNumber}`, row);
    }
    const counts = new Map<string, number>();
    const countRows = await manager
      .createQueryBuilder(EsrMapping, 'm')
      .select('m.portalUserId', 'portalUserId')
      .addSelect('COUNT(*)', 'count')
      .where('m.portalUserId IN (:...users)', { users })
      .groupBy('m.portalUserId')
      .getRawMany<{ portalUserId: string; count: string | number }>();
    for (const row of countRows) counts.set(row.portalUserId, Number(row.count));

    let skipped = 0;
    const rows: EsrMapping[] = [];
    for (const c of candidates) {
      const owner = existing.get(`${c.vpd}:${c.employeeNumber}`);
      if (owner && owner.portalUserId === c.portalUserId) {
        skipped++;
      } else if (owner) {
        errors.push({ index: c.index, error: 'ESR_RECORD_MAPPED_TO_OTHER_USER', message: new RecordMappedToOtherUserError(c).message });
      } else if ((counts.get(c.portalUserId) ?? 0) >= MAX_MAPPINGS_PER_USER) {
        const limit = limitReached(c.portalUserId);
        errors.push({ index: c.index, error: 'VALIDATION_FAILED', message: limit.message, details: limit.details });
      } else {
        counts.set(c.portalUserId, (counts.get(c.portalUserId) ?? 0) + 1);
        rows.push(this.newRow(c.portalUserId, c, ctx));
      }
    }
    // Insert in index order of the unique key so two concurrent imports lock index entries in the same order.
    const sorted = [...rows].sort((a, b) => `${a.vpd}:${a.employeeNumber}`.localeCompare(`${b.vpd}:${b.employeeNumber}`));
    for (let i = 0; i < sorted.length; i += INSERT_CHUNK) await manager.insert(EsrMapping, sorted.slice(i, i + INSERT_CHUNK));
    await this.audit.recordMany(
      rows.map((row) => this.event('MAPPING_CREATED', row, ctx, { source: 'import' })),
      manager,
    );
    return { created: rows.length, skipped, errors };
  }

  /**
   * Every write of mappings runs through here. The mapping mirror (access resolution's copy in the
   * cache) is held for these users before the database write and released after it, so no instance
   * answers from a list older than the write once it returns (mapping-cache.ts). A hold that fails
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
        this.logger.warn(
          { users: new Set(portalUserIds).size, error: (error as Error).message },
          'mapping mirror not released after a write; those users are read from the database until the consistency check clears the hold',
        );
      });
    }
  }

  private newRow(portalUserId: string, input: MappingInput, ctx: ChangeContext): EsrMapping {
    return Object.assign(new EsrMapping(), {
      id: randomUUID(),
      portalUserId,
      vpd: input.vpd,
      employeeNumber: input.employeeNumber,
      createdAt: this.clock.now(),
      createdBy: ctx.actor,
    });
  }

  private event(
    type: 'MAPPING_CREATED' | 'MAPPING_DELETED' | 'MAPPING_REFUSED',
    row: Pick<EsrMapping, 'portalUserId' | 'vpd' | 'employeeNumber'>,
    ctx: ChangeContext,
    details?: Record<string, unknown>,
  ): NewAuditEvent {
    return {
      type,
      actor: ctx.actor,
      apiKeyId: ctx.apiKeyId,
      requestId: ctx.requestId,
      subjectUserId: row.portalUserId,
      vpd: row.vpd,
      employeeNumber: row.employeeNumber,
      outcome: 'OK',
      // A mapping of the acting user's own account (allowed by MAPPING_SELF_SERVICE) is marked as such.
      details:
        type === 'MAPPING_CREATED' && isSelfMapping(ctx.actor, row.portalUserId) ? { ...details, selfService: true } : (details ?? null),
    };
  }

  private conflict(owner: EsrMapping, portalUserId: string, input: MappingInput): DomainError {
    return owner.portalUserId === portalUserId ? new MappingExistsError(input) : new RecordMappedToOtherUserError(input);
  }

  /**
   * Serialises writers per portal user so the per-user cap holds under concurrency (PostgreSQL
   * transaction-scoped advisory locks, taken in hash order so two imports cannot deadlock). SQLite
   * runs one write transaction at a time anyway.
   */
  private async lockUsers(manager: EntityManager, portalUserIds: string[]): Promise<void> {
    if (manager.connection.options.type !== 'postgres') return;
    await manager.query(
      `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext('esr_mappings:' || u) AS h FROM unnest($1::text[]) AS u ORDER BY h) locks`,
      [portalUserIds],
    );
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AccessChangeRecorder } from '../access-events/access-change-recorder';
import { AccessResolver } from '../access-policy/access-resolver';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { AccessSettings } from '../config/settings/access.settings';
import { EsrSettings } from '../config/settings/esr.settings';
import { lockPortalUsers } from '../database/user-locks';
import { recordKey } from '../role-store/role.types';
import { isTransientConflict, isUniqueViolation, MAX_WRITE_ATTEMPTS } from './database-errors';
import type { ImportEsrMappingsResultDto, ImportRowErrorDto, ImportRowWarningDto } from './dto/import-mappings.dto';
import { EsrMapping } from '../database/esr-mapping.entity';
import type { RecordCheck } from './esr-record-checker';
import { ImportRow, MappedInVpd, planImport, userVpdKey } from './import-plan';
import { checkImportRow } from './mapping-input';
import { MappingMirrorHold } from './mapping-mirror-hold';
import { MappingSaveCheck } from './mapping-save-check';
import { ChangeContext, mappingEvent, newMappingRow } from './mapping-rows';
import { refuseSelfMapping } from './self-mapping-policy';

/** Rows per INSERT statement (12 columns each). */
const INSERT_CHUNK = 250;

/**
 * The bulk import of "Manage User" (POST /v1/esr-mappings/import): import(items, ctx). The same
 * rules as MappingsService.create (one ESR record per portal user, uq_esr_mappings_record; one record
 * per portal user per VPD, uq_esr_mappings_user_vpd; the cap per user, self-mapping policy; VPDs not
 * served refused per row; the look-up budgets), decided per row by planImport. Writes commit their audit events and
 * access-change events (AccessChangeRecorder) in the same transaction, with the mapping mirror held
 * around it (MappingMirrorHold).
 *
 * Query budget: one cache round trip, at most one ESR call per row not in the synced role data
 * (bounded concurrency, within ESR_INTERACTIVE_DEADLINE) and one transaction.
 */
@Injectable()
export class MappingImportService {
  private readonly logger = new Logger(MappingImportService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly saveCheck: MappingSaveCheck,
    private readonly recorder: AccessChangeRecorder,
    private readonly access: AccessSettings,
    private readonly esr: EsrSettings,
    private readonly mirrorHold: MappingMirrorHold,
    private readonly resolver: AccessResolver,
  ) {}

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
        check.ok && refuseSelfMapping({ selfServiceAllowed: this.access.mappingSelfService }, ctx.actor, check.value.portalUserId);
      if (!check.ok) invalid.push({ index, error: 'VALIDATION_FAILED', message: check.message, details: check.details });
      else if (refusal) invalid.push({ index, error: 'FORBIDDEN', message: refusal });
      else rows.push({ index, ...check.value });
    });
    const refusedVpds = await this.saveCheck.notServed(rows.map((r) => r.vpd));
    for (const row of rows.filter((r) => refusedVpds.has(r.vpd))) {
      invalid.push({ index: row.index, error: 'VPD_NOT_SERVED', message: (refusedVpds.get(row.vpd) as Error).message });
    }
    if (refusedVpds.size > 0) rows.splice(0, rows.length, ...rows.filter((r) => !refusedVpds.has(r.vpd)));
    const known = await this.existing(this.dataSource.manager, rows);
    const draft = planImport(rows, known.owners, new Map(), undefined, known.inVpd);
    const toCheck = [...new Map(draft.create.map((r) => [recordKey(r.vpd, r.employeeNumber), r])).values()];
    const checks = await this.saveCheck.checkRows(toCheck, ctx, Date.now() + this.esr.interactiveDeadlineMs);

    for (let attempt = 1; ; attempt++) {
      try {
        const users = [...new Set(rows.map((r) => r.portalUserId))];
        const outcome = await this.mirrorHold.writing(users, () =>
          this.dataSource.transaction((manager) => this.writeImport(manager, rows, checks, ctx)),
        );
        const errors = invalid.concat(outcome.errors).sort((a, b) => a.index - b.index);
        const warnings = await this.warnings(outcome.saved);
        const result = { created: outcome.created, skipped: outcome.skipped, unverified: outcome.unverified, errors, warnings };
        this.logger.log({ msg: 'ESR mappings imported', ...result, errors: errors.length, warnings: warnings.length });
        return result;
      } catch (error) {
        if ((!isUniqueViolation(error) && !isTransientConflict(error)) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
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
    const known = await this.existing(manager, rows);
    const plan = planImport(rows, known.owners, counts, checks, known.inVpd);
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
    const saved = plan.create.map((c, i) => ({ index: c.index, row: created[i] }));
    return {
      created: created.length,
      skipped: plan.skipped,
      unverified: created.filter((r) => !r.verified).length,
      errors: plan.errors,
      saved,
    };
  }

  /**
   * The written rows that do not give Search ESR (yet): judged as the access endpoint judges them
   * (one role store round trip), after the commit. The rows are in either way: if the role store
   * cannot be read, no warnings rather than a failed import.
   */
  private async warnings(saved: Array<{ index: number; row: EsrMapping }>): Promise<ImportRowWarningDto[]> {
    if (saved.length === 0) return [];
    try {
      const users = [...new Set(saved.map((s) => s.row.portalUserId))];
      const accesses = await this.resolver.evaluate(
        users,
        saved.map((s) => s.row),
      );
      const byRecord = new Map(
        accesses.flatMap((a) => a.mappings.map((m) => [`${a.portalUserId}|${m.vpd}|${m.employeeNumber}`, m] as const)),
      );
      const warnings: ImportRowWarningDto[] = [];
      for (const { index, row } of saved) {
        const m = byRecord.get(`${row.portalUserId}|${row.vpd}|${row.employeeNumber}`);
        if (!m || ((m.state === 'ACTIVE' || m.state === 'PENDING_ACTIVATION') && row.verified)) continue;
        warnings.push({ index, state: m.state, verified: row.verified, reason: m.reason });
      }
      return warnings;
    } catch (error) {
      this.logger.warn({
        msg: 'Imported rows written; their access states could not be read for warnings',
        error: (error as Error).message,
      });
      return [];
    }
  }

  /** recordKey -> owning portal user, for these rows' records; userVpdKey -> the rows' users' records in the rows' VPDs. */
  private async existing(
    manager: EntityManager,
    rows: ImportRow[],
  ): Promise<{ owners: Map<string, string>; inVpd: Map<string, MappedInVpd> }> {
    const owners = new Map<string, string>();
    const inVpd = new Map<string, MappedInVpd>();
    const vpds = [...new Set(rows.map((c) => c.vpd))];
    const numbers = [...new Set(rows.map((c) => c.employeeNumber))];
    for (let i = 0; i < numbers.length; i += INSERT_CHUNK * 2) {
      const found = await manager.find(EsrMapping, {
        select: { vpd: true, employeeNumber: true, portalUserId: true },
        where: { vpd: In(vpds), employeeNumber: In(numbers.slice(i, i + INSERT_CHUNK * 2)) },
      });
      for (const row of found) owners.set(recordKey(row.vpd, row.employeeNumber), row.portalUserId);
    }
    const users = [...new Set(rows.map((r) => r.portalUserId))];
    for (let i = 0; i < users.length; i += INSERT_CHUNK * 2) {
      const found = await manager.find(EsrMapping, {
        select: { portalUserId: true, vpd: true, employeeNumber: true, displayName: true },
        where: { portalUserId: In(users.slice(i, i + INSERT_CHUNK * 2)), vpd: In(vpds) },
      });
      for (const row of found) inVpd.set(userVpdKey(row.portalUserId, row.vpd), row);
    }
    return { owners, inVpd };
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AccessChangeRecorder } from '../access-events/access-change-recorder';
import { AccessResolver } from '../access-policy/access-resolver';
import type { MappingAccess } from '../domain/access.types';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import { AccessSettings } from '../config/settings/access.settings';
import { lockPortalUsers } from '../database/user-locks';
import { isTransientConflict, isUniqueViolation, MAX_WRITE_ATTEMPTS } from './database-errors';
import { EsrMapping } from '../database/esr-mapping.entity';
import { EsrRecordNotFoundError, RecordCheck } from './esr-record-checker';
import { MAX_MAPPINGS_PER_USER } from './identifiers';
import { MappingMirrorHold } from './mapping-mirror-hold';
import {
  ChangeContext,
  conflictWith,
  describeRecord,
  limitReached,
  MappingExistsError,
  mappingEvent,
  MappingInput,
  newMappingRow,
  UserAlreadyMappedInVpdError,
} from './mapping-rows';
import { MappingSaveCheck } from './mapping-save-check';
import { refuseSelfMapping } from './self-mapping-policy';

export { MappingExistsError, RecordMappedToOtherUserError, UserAlreadyMappedInVpdError } from './mapping-rows';
export type { ChangeContext, MappingInput } from './mapping-rows';

/** A saved mapping with the access state of that record right after the save. */
export interface CreatedMapping {
  row: EsrMapping;
  access: Pick<MappingAccess, 'state' | 'reason'>;
}

/**
 * "Manage User": the links between portal users and ESR records. Reads: list, listForUsers (by
 * user), listVpd, mappedVpds (by VPD: reconciliation, access monitor). The HTTP API's writes: create,
 * delete, deleteAll. (The bulk import is MappingImportService; ESR check results and the check
 * queue are MappingCheckQueue.) One ESR record (VPD + employee number) belongs to at most one portal
 * user, enforced by the unique index uq_esr_mappings_record as well as checked first (so concurrent
 * writers get the same 409 as sequential ones); likewise one portal user has at most one record per
 * VPD (uq_esr_mappings_user_vpd). Every write commits its audit events and its
 * access-change events (AccessChangeRecorder) in the same transaction, and holds the mapping mirror
 * (access resolution's copy in the cache) around it (MappingMirrorHold.writing()).
 *
 * Query budget: list/listForUsers one query; create the record's ESR look-up and its role rows'
 * refresh, together within one deadline (MappingSaveCheck), plus one transaction.
 */
@Injectable()
export class MappingsService {
  private readonly logger = new Logger(MappingsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly saveCheck: MappingSaveCheck,
    private readonly recorder: AccessChangeRecorder,
    private readonly resolver: AccessResolver,
    private readonly access: AccessSettings,
    private readonly mirrorHold: MappingMirrorHold,
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
   * user does, 409 ESR_USER_ALREADY_MAPPED_IN_VPD when this user has another record in the VPD, 422
   * when the user is at the cap. 422 VPD_NOT_SERVED and 429 RATE_LIMITED (the look-up budgets) before
   * any ESR call. The person's role rows are refreshed with the look-up, so `access` is ESR's now.
   */
  async create(portalUserId: string, input: MappingInput, ctx: ChangeContext): Promise<CreatedMapping> {
    const refusal = refuseSelfMapping({ selfServiceAllowed: this.access.mappingSelfService }, ctx.actor, portalUserId);
    if (refusal) {
      await this.audit.record({ ...mappingEvent('MAPPING_REFUSED', { portalUserId, ...input }, ctx), outcome: 'SELF_MAPPING' });
      throw new DomainError('FORBIDDEN', refusal);
    }
    await this.saveCheck.assertServed(input.vpd);
    await this.assertNoConflict(this.dataSource.manager, portalUserId, input);
    const check = await this.saveCheck.check(input, ctx);
    if (check.status === 'NOT_FOUND') throw new EsrRecordNotFoundError(input);
    const row = await this.mirrorHold.writing([portalUserId], () => this.insertOne(portalUserId, input, ctx, check));
    const [access] = await this.resolver.evaluate([portalUserId], [row]);
    const { state, reason } = access.mappings[0];
    return { row, access: { state, reason } };
  }

  /** 409 when the record is mapped already (to this user or another) or this user has another record in the VPD. */
  private async assertNoConflict(manager: EntityManager, portalUserId: string, input: MappingInput): Promise<void> {
    const owner = await manager.findOne(EsrMapping, { where: { vpd: input.vpd, employeeNumber: input.employeeNumber } });
    if (owner) throw conflictWith(owner, portalUserId, input);
    const sameVpd = await manager.findOne(EsrMapping, { where: { portalUserId, vpd: input.vpd } });
    if (sameVpd?.employeeNumber === input.employeeNumber) throw new MappingExistsError(input);
    if (sameVpd) throw new UserAlreadyMappedInVpdError(sameVpd);
  }

  private async insertOne(portalUserId: string, input: MappingInput, ctx: ChangeContext, check: RecordCheck): Promise<EsrMapping> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          await lockPortalUsers(manager, [portalUserId]);
          await this.assertNoConflict(manager, portalUserId, input);
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
        await this.assertNoConflict(this.dataSource.manager, portalUserId, input);
        if (attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  /** Deletes one mapping of this user; 404 when there is none. */
  async delete(portalUserId: string, key: MappingInput, ctx: ChangeContext): Promise<void> {
    await this.mirrorHold.writing([portalUserId], () => this.deleteOne(portalUserId, key, ctx));
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

  /**
   * Deletes every mapping of a portal account being removed (a MAPPING_DELETED event each); 0 when it
   * had none. `vpds` (a key restricted to some VPDs) limits it to the mappings in those VPDs.
   */
  async deleteAll(portalUserId: string, ctx: ChangeContext, vpds?: readonly string[]): Promise<{ deleted: number }> {
    return this.mirrorHold.writing([portalUserId], () => this.deleteAllOf(portalUserId, ctx, vpds));
  }

  private async deleteAllOf(portalUserId: string, ctx: ChangeContext, vpds?: readonly string[]): Promise<{ deleted: number }> {
    return this.dataSource.transaction(async (manager) => {
      await lockPortalUsers(manager, [portalUserId]);
      const before = await this.recorder.capture(manager, [portalUserId]);
      const where = vpds ? { portalUserId, vpd: In([...vpds]) } : { portalUserId };
      const rows = await manager.find(EsrMapping, { where });
      if (rows.length === 0) return { deleted: 0 };
      await manager.delete(EsrMapping, where);
      await this.audit.recordMany(
        rows.map((row) => mappingEvent('MAPPING_DELETED', row, ctx, { source: 'account-removed' })),
        manager,
      );
      await this.recorder.commit(manager, before);
      this.logger.log({ msg: 'all ESR mappings of a portal user deleted', deleted: rows.length });
      return { deleted: rows.length };
    });
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

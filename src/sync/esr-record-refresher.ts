import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { ValidationFailedError } from '../common/errors/domain-error';
import { AccessSettings } from '../config/settings/access.settings';
import { VPD } from '../domain/identifiers';
import { EsrClient } from '../esr/esr.client';
import { RoleChanges } from '../role-store/role-changes';
import { RoleReads } from '../role-store/role-reads';
import type { CachedRole } from '../role-store/role.types';
import { VpdSyncRecord } from '../role-store/sync-records.types';
import { RecordRefresher } from './record-refresher';
import { toCachedRole } from './role-window';

const REFRESH_ATTEMPTS = 3;

/** RecordRefresher reading ESR and writing the role store, with the sync's window rules. */
@Injectable()
export class EsrRecordRefresher extends RecordRefresher {
  private readonly logger = new Logger(EsrRecordRefresher.name);

  constructor(
    private readonly esr: EsrClient,
    private readonly store: RoleReads,
    private readonly changes: RoleChanges,
    private readonly access: AccessSettings,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** See RecordRefresher.refreshRecords; conflicts with sync writes are retried, then logged. */
  async refreshRecords(vpd: string, employeeNumbers: string[]): Promise<void> {
    if (!VPD.test(vpd)) throw new ValidationFailedError('vpd must be 3 digits', [{ field: 'vpd', message: 'vpd must be 3 digits' }]);
    const people = [...new Set(employeeNumbers)];
    if (people.length === 0) return;
    for (let attempt = 1; attempt <= REFRESH_ATTEMPTS; attempt++) {
      const meta = (await this.store.readVpdSync([vpd], this.clock.nowMs())).get(vpd) as VpdSyncRecord;
      if (!meta.generation && !meta.building) return;
      const records = await Promise.all(
        people.map(async (employeeNumber) => {
          const roles: CachedRole[] = [];
          for await (const page of this.esr.listRoleAssignments(vpd, { employeeNumber })) {
            for (const item of page.items) {
              if (item.employeeNumber === employeeNumber) roles.push(toCachedRole(item, this.access.activationDelayMs));
            }
          }
          return { employeeNumber, roles };
        }),
      );
      const result = await this.changes.replaceRecords(vpd, records, meta.seq, this.clock.nowMs());
      if (result !== 'conflict') return;
    }
    this.logger.warn({ msg: 'refresh kept conflicting with sync writes; the synced data stays', vpd, people: people.length });
  }
}

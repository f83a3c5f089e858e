import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { AccessChangeRecorder } from './access-change-recorder';
import type { ChangeCause } from './access-change';
import { AccessVpdMark, AccessWatch } from '../database/access-watch.entity';
import { RoleReads } from '../role-store/role-reads';
import type { VpdSyncRecord } from '../role-store/sync-records.types';
import { Clock } from '../common/clock/clock';
import { AccessSettings } from '../config/settings/access.settings';
import { JobRunner } from '../jobs/job-runner';
import {
  MAPPED_USERS_SOURCE,
  MappedUsersSource,
  MAPPING_CHECKS_SOURCE,
  MappingChecksSource,
  VerifyOutcome,
} from './access-monitor.sources';

export const MONITOR_LEASE = 'access-monitor';
const LEASE_TTL_MS = 5 * 60_000;
/** Users re-evaluated per transaction. */
const USER_BATCH = 200;
/** Batches of due users per pass (the rest wait for the next pass). */
const MAX_DUE_BATCHES = 10;

export interface MonitorOutcome {
  ran: boolean;
  vpdsChanged: string[];
  events: number;
  verification: VerifyOutcome | null;
}

/**
 * Notices access changes nobody wrote: one replica at a time (an exclusive job: the access-monitor lease).
 * - Role data: per mapped VPD, a mark of the live role data (generation, change sequence, fresh or
 *   stale) is compared with the one last evaluated (access_vpd_marks); only a VPD whose mark moved
 *   has its users re-evaluated. The sync knows nothing of this. A new successful sync also makes
 *   the VPD's unverified mappings due for a check, then one verification pass runs (both through
 *   MAPPING_CHECKS_SOURCE: the mappings' check queue and verifier).
 * - Time: users whose nextCheckAt (their nextChangeAt, or the moment their data turns stale) has
 *   come, read through an index; nobody else is looked at.
 * Events go to the outbox through AccessChangeRecorder (nothing when WEBHOOK_URL is unset; the
 * verification still runs). Never throws.
 */
@Injectable()
export class AccessMonitor {
  private readonly logger = new Logger(AccessMonitor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly roles: RoleReads,
    private readonly jobs: JobRunner,
    @Inject(MAPPED_USERS_SOURCE) private readonly mappings: MappedUsersSource,
    @Inject(MAPPING_CHECKS_SOURCE) private readonly checks: MappingChecksSource,
    private readonly recorder: AccessChangeRecorder,
    private readonly access: AccessSettings,
    private readonly clock: Clock,
  ) {}

  async runOnce(): Promise<MonitorOutcome> {
    const outcome: MonitorOutcome = { ran: false, vpdsChanged: [], events: 0, verification: null };
    try {
      await this.jobs.exclusive({ name: MONITOR_LEASE, ttlMs: LEASE_TTL_MS }, async () => {
        outcome.ran = true;
        outcome.vpdsChanged = await this.checkVpds(outcome);
        outcome.verification = await this.checks.verifyDue();
        outcome.events += await this.checkDueUsers();
      });
    } catch (error) {
      this.logger.warn({ msg: 'access monitor pass failed', error: (error as Error).message });
    }
    return outcome;
  }

  private async checkVpds(outcome: MonitorOutcome): Promise<string[]> {
    const vpds = await this.mappings.mappedVpds();
    if (vpds.length === 0) return [];
    const now = this.clock.nowMs();
    const sync = await this.roles.readVpdSync(vpds, now);
    const marks = new Map((await this.dataSource.getRepository(AccessVpdMark).find()).map((m) => [m.vpd, m.mark]));
    const changed: string[] = [];
    for (const vpd of vpds) {
      const mark = this.markOf(sync.get(vpd), now);
      const previous = marks.get(vpd);
      if (previous === mark) continue;
      const [data, synced] = [mark.split('|').slice(0, 3).join('|'), mark.split('|')[3]];
      if (previous?.split('|')[3] !== synced) await this.checks.requeueUnverified(vpd);
      if (previous?.split('|').slice(0, 3).join('|') !== data) {
        changed.push(vpd);
        const users = [...new Set((await this.mappings.listVpd(vpd)).map((m) => m.portalUserId))];
        outcome.events += await this.reevaluate(users, 'sync');
      }
      await this.dataSource.getRepository(AccessVpdMark).upsert({ vpd, mark, updatedAt: this.clock.now() }, ['vpd']);
    }
    return changed;
  }

  /** generation | change sequence | fresh, stale or never | last success: what decides whether to look again. */
  private markOf(record: VpdSyncRecord | undefined, now: number): string {
    const last = record?.lastSuccessAt ? Date.parse(record.lastSuccessAt) : Number.NaN;
    const freshness = Number.isNaN(last) ? 'never' : now - last > this.access.maxStalenessMs ? 'stale' : 'fresh';
    return [record?.generation ?? '-', record?.seq ?? 0, freshness, record?.lastSuccessAt ?? '-'].join('|');
  }

  private async checkDueUsers(): Promise<number> {
    if (!this.recorder.enabled) return 0;
    let events = 0;
    for (let batch = 0; batch < MAX_DUE_BATCHES; batch++) {
      const due = await this.dataSource.getRepository(AccessWatch).find({
        select: { portalUserId: true },
        where: { nextCheckAt: LessThanOrEqual(this.clock.now()) },
        order: { nextCheckAt: 'ASC' },
        take: USER_BATCH,
      });
      if (due.length === 0) break;
      events += await this.reevaluate(
        due.map((d) => d.portalUserId),
        'time',
      );
    }
    return events;
  }

  private async reevaluate(users: string[], cause: ChangeCause): Promise<number> {
    if (!this.recorder.enabled) return 0;
    let events = 0;
    for (let i = 0; i < users.length; i += USER_BATCH) {
      const batch = users.slice(i, i + USER_BATCH);
      events += await this.dataSource.transaction((manager) => this.recorder.reevaluate(manager, batch, cause));
    }
    return events;
  }
}

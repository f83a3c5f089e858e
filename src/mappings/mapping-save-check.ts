import { Injectable, Logger } from '@nestjs/common';
import { EsrSettings } from '../config/settings/esr.settings';
import { recordKey, RecordKey } from '../role-store/role.types';
import { RecordRefresher } from '../sync/record-refresher';
import { EsrRecordChecker, RecordCheck } from './esr-record-checker';
import { LookupBudget } from './lookup-budget';
import type { ChangeContext } from './mapping-rows';
import { ServedVpdCheck, VpdNotServedError } from './served-vpd-check';

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, Math.max(0, ms)).unref();
  });

/**
 * The ESR check of one record that a person asked for (saving a mapping): the VPD must be served
 * (422 VPD_NOT_SERVED, before any ESR call), the look-up is charged to the acting user's and the
 * key's look-up budgets (429 RATE_LIMITED), then, within one ESR_INTERACTIVE_DEADLINE, the record is
 * looked up (EsrRecordChecker.lookUp) while the person's role rows are refreshed from ESR
 * (RecordRefresher, the access refresh's writer: the sync's window rules and fencing), so that the
 * access answered right after the save is the one ESR holds now. A refresh that fails or is slow
 * leaves the synced rows; it never fails the save.
 */
@Injectable()
export class MappingSaveCheck {
  private readonly logger = new Logger(MappingSaveCheck.name);

  constructor(
    private readonly served: ServedVpdCheck,
    private readonly budget: LookupBudget,
    private readonly checker: EsrRecordChecker,
    private readonly refresher: RecordRefresher,
    private readonly esrSettings: EsrSettings,
  ) {}

  /** 422 VPD_NOT_SERVED when the VPD is not served (no ESR call about the record is made). */
  async assertServed(vpd: string): Promise<void> {
    await this.served.assertServed(vpd);
  }

  /** Charges the look-up (429 beyond the budgets), then looks the record up and refreshes its role rows together. */
  async check(key: RecordKey, ctx: Pick<ChangeContext, 'actor' | 'apiKeyId'>): Promise<RecordCheck> {
    await this.budget.consume(ctx.actor, ctx.apiKeyId);
    const deadlineAt = Date.now() + this.esrSettings.interactiveDeadlineMs;
    const [check] = await Promise.all([this.checker.lookUp(key, deadlineAt), this.refreshRoles(key, deadlineAt)]);
    return check;
  }

  /** The VPDs of `vpds` that are not served, each with its error (an import's rows). */
  async notServed(vpds: Iterable<string>): Promise<Map<string, VpdNotServedError>> {
    return this.served.notServed(vpds);
  }

  /**
   * An import's records: those holding the role in the synced data need no ESR call; the others are
   * charged to the look-up budgets together, and as many as the budgets allow are looked up (until
   * `deadlineAt`, EsrRecordChecker.checkMany); the rest come back UNKNOWN (saved unverified, checked
   * in the background). Answers by recordKey().
   */
  async checkRows(
    keys: RecordKey[],
    ctx: Pick<ChangeContext, 'actor' | 'apiKeyId'>,
    deadlineAt: number,
  ): Promise<Map<string, RecordCheck>> {
    const held = await this.checker.inRoleData(keys);
    const ask = keys.filter((k) => !held.has(recordKey(k.vpd, k.employeeNumber)));
    const granted = await this.budget.grant(ctx.actor, ctx.apiKeyId, ask.length);
    const checks = await this.checker.checkMany(
      [...keys.filter((k) => held.has(recordKey(k.vpd, k.employeeNumber))), ...ask.slice(0, granted)],
      deadlineAt,
      held,
    );
    for (const key of ask.slice(granted)) checks.set(recordKey(key.vpd, key.employeeNumber), { status: 'UNKNOWN', why: 'RATE_LIMITED' });
    if (granted < ask.length) this.logger.log({ msg: 'import rows past the look-up budget saved unverified', rows: ask.length - granted });
    return checks;
  }

  private async refreshRoles(key: RecordKey, deadlineAt: number): Promise<void> {
    const refresh = this.refresher.refreshRecords(key.vpd, [key.employeeNumber]).catch((error: unknown) => {
      this.logger.warn({ msg: 'role rows not refreshed on save; the synced rows stay', vpd: key.vpd, error: (error as Error).message });
    });
    await Promise.race([refresh, sleep(deadlineAt - Date.now())]);
  }
}

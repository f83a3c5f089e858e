import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DomainError } from '../common/errors/domain-error';
import { EsrSettings } from '../config/settings/esr.settings';
import { EsrClient } from '../esr/esr.client';

/** How long ESR's list of active VPDs is reused. */
export const LISTED_VPDS_TTL_MS = 10 * 60_000;
/** A VPD missing from the list read at least this long ago makes the check read the list again (a VPD ESR just added). */
const RECHECK_MISSING_AFTER_MS = 30_000;

/** 422 VPD_NOT_SERVED: the VPD is not one ESR lists or this gateway serves; nothing was asked of ESR about it. */
export class VpdNotServedError extends DomainError {
  constructor(vpd: string, why: 'configured' | 'listed') {
    super(
      'VPD_NOT_SERVED',
      why === 'configured'
        ? `VPD ${vpd} is not one of the VPDs this gateway serves (ESR_VPDS); check the VPD.`
        : `VPD ${vpd} is not a VPD ESR lists as active for this gateway; check the VPD.`,
      { details: [{ field: 'vpd', message: `VPD ${vpd} is not served` }] },
    );
  }
}

/**
 * Whether a VPD is served, before anything asks ESR about a record in it: the VPD must be in
 * ESR_VPDS (when set) and in ESR's list of active VPDs. ESR's list is read at most every
 * LISTED_VPDS_TTL_MS (sooner, at most every 30 s, for a VPD missing from it) and shared by every
 * request of this replica. While ESR cannot list its VPDs the check lets the VPD through (the record
 * call that follows reports ESR's state), so an ESR outage never turns into VPD_NOT_SERVED.
 */
@Injectable()
export class ServedVpdCheck {
  private readonly logger = new Logger(ServedVpdCheck.name);
  private listed: { vpds: ReadonlySet<string>; readAtMs: number } | null = null;
  private reading: Promise<ReadonlySet<string> | null> | null = null;

  constructor(
    private readonly esr: EsrClient,
    private readonly esrSettings: EsrSettings,
    private readonly clock: Clock,
  ) {}

  /** Throws VpdNotServedError (422 VPD_NOT_SERVED) when `vpd` is not served. */
  async assertServed(vpd: string): Promise<void> {
    const why = await this.whyNotServed(vpd);
    if (why) throw new VpdNotServedError(vpd, why);
  }

  /** The VPDs of `vpds` that are not served, each with its error. */
  async notServed(vpds: Iterable<string>): Promise<Map<string, VpdNotServedError>> {
    const refused = new Map<string, VpdNotServedError>();
    for (const vpd of new Set(vpds)) {
      const why = await this.whyNotServed(vpd);
      if (why) refused.set(vpd, new VpdNotServedError(vpd, why));
    }
    return refused;
  }

  private async whyNotServed(vpd: string): Promise<'configured' | 'listed' | null> {
    const configured = this.esrSettings.vpds;
    if (configured && !configured.includes(vpd)) return 'configured';
    const listed = await this.listedVpds(vpd);
    return listed && !listed.has(vpd) ? 'listed' : null;
  }

  /** ESR's active VPDs (cached), read again when stale or when `wanted` is missing from an older read; null when ESR cannot say. */
  private async listedVpds(wanted: string): Promise<ReadonlySet<string> | null> {
    const now = this.clock.nowMs();
    const age = this.listed ? Math.abs(now - this.listed.readAtMs) : Number.POSITIVE_INFINITY;
    const fresh = age < LISTED_VPDS_TTL_MS && (this.listed?.vpds.has(wanted) || age < RECHECK_MISSING_AFTER_MS);
    if (fresh && this.listed) return this.listed.vpds;
    this.reading ??= this.read().finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(): Promise<ReadonlySet<string> | null> {
    try {
      const vpds = await this.esr.listVpds({ lane: 'interactive', deadline: this.esr.interactiveDeadline() });
      const active = new Set(vpds.filter((v) => v.active).map((v) => v.vpd));
      this.listed = { vpds: active, readAtMs: this.clock.nowMs() };
      return active;
    } catch (error) {
      this.logger.warn({ msg: "ESR's VPD list unavailable; VPDs are not refused meanwhile", error: (error as Error).message });
      return null;
    }
  }
}

import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../common/errors/domain-error';
import { EsrSettings } from '../config/settings/esr.settings';
import { EsrClient } from '../esr/esr.client';

/** The VPDs this gateway serves: ESR_VPDS, or every active VPD ESR lists. */
@Injectable()
export class ServedVpds {
  constructor(
    private readonly esr: EsrClient,
    private readonly esrSettings: EsrSettings,
  ) {}

  /** ESR_VPDS, or (asking ESR) every active VPD, sorted. */
  async list(): Promise<string[]> {
    const configured = this.esrSettings.vpds;
    if (configured) return [...configured];
    return (await this.esr.listVpds())
      .filter((v) => v.active)
      .map((v) => v.vpd)
      .sort();
  }

  /** VALIDATION_FAILED when `vpd` is given and ESR_VPDS leaves it out. */
  assertServed(vpd: string | undefined): void {
    const served = this.esrSettings.vpds;
    if (vpd !== undefined && served && !served.includes(vpd)) {
      throw new ValidationFailedError(`VPD ${vpd} is not one of the VPDs this gateway serves (ESR_VPDS).`, [
        { field: 'vpd', message: 'vpd must be one of the VPDs this gateway serves' },
      ]);
    }
  }
}

import { FakeClock } from '../common/clock/clock';
import { DomainError } from '../common/errors/domain-error';
import type { EsrSettings } from '../config/settings/esr.settings';
import type { EsrClient } from '../esr/esr.client';
import type { EsrVpd } from '../esr/esr.types';
import { LISTED_VPDS_TTL_MS, ServedVpdCheck } from './served-vpd-check';

/** ESR's VPD listing as the check sees it: the answer to give next, and how often it was asked. */
function fakeEsr(answer: () => EsrVpd[]) {
  const esr = { calls: 0, listVpds: async () => (esr.calls++, answer()), interactiveDeadline: () => undefined };
  return esr;
}

const vpd = (code: string, active = true): EsrVpd => ({ vpd: code, organisationName: `Trust ${code}`, active });

describe(ServedVpdCheck.name, () => {
  const clock = new FakeClock(Date.parse('2026-12-07T10:00:00Z'));
  const make = (esr: ReturnType<typeof fakeEsr>, vpds?: string[]) =>
    new ServedVpdCheck(esr as unknown as EsrClient, { vpds } as EsrSettings, clock);

  it('should refuse a VPD left out of ESR_VPDS without asking ESR, with a sentence naming it', async () => {
    const esr = fakeEsr(() => [vpd('979'), vpd('978')]);
    const error = await make(esr, ['979'])
      .assertServed('978')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'VPD_NOT_SERVED', status: 422, message: expect.stringMatching(/^VPD 978 is not one of the VPDs/) });
    expect(esr.calls).toBe(0);
  });

  it('should refuse a VPD ESR does not list as active, reading the list once for many checks', async () => {
    const esr = fakeEsr(() => [vpd('979'), vpd('977', false)]);
    const check = make(esr);
    await expect(check.assertServed('979')).resolves.toBeUndefined();
    await expect(check.assertServed('977')).rejects.toMatchObject({ code: 'VPD_NOT_SERVED', message: expect.stringContaining('VPD 977') });
    const refused = await check.notServed(['979', '978', '978']);
    expect([...refused.keys()]).toEqual(['978']);
    expect(esr.calls).toBe(1);
  });

  it('should read the list again when it is old, or sooner for a VPD missing from it', async () => {
    let listed = [vpd('979')];
    const esr = fakeEsr(() => listed);
    const check = make(esr);
    await check.assertServed('979');
    listed = [vpd('979'), vpd('976')];
    clock.advance(31_000);
    await expect(check.assertServed('976')).resolves.toBeUndefined();
    expect(esr.calls).toBe(2);
    clock.advance(LISTED_VPDS_TTL_MS);
    await check.assertServed('979');
    expect(esr.calls).toBe(3);
  });

  it('should let a VPD through while ESR cannot list its VPDs', async () => {
    const esr = fakeEsr(() => {
      throw new DomainError('ESR_UNAVAILABLE', 'down');
    });
    await expect(make(esr).assertServed('978')).resolves.toBeUndefined();
  });
});

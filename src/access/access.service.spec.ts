import { FakeClock } from '../common/clock/clock';
import type { AppConfig } from '../config/app-config';
import type { EsrMapping } from '../mappings/esr-mapping.entity';
import type { MappingsService } from '../mappings/mappings.service';
import type { RoleStore } from '../role-store/role-store';
import type { AccessSnapshot, RecordKey } from '../role-store/role.types';
import { AccessService } from './access.service';

const row = (portalUserId: string, vpd: string, employeeNumber: string): EsrMapping => ({
  id: `${vpd}${employeeNumber}`,
  portalUserId,
  vpd,
  employeeNumber,
  createdAt: new Date(),
  createdBy: 'lsa',
});

describe(AccessService.name, () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:15:00Z'));
  const rows = [row('a', '979', '11111111'), row('a', '123', '22222222'), row('a', '979', '33333333'), row('b', '979', '11111111')];
  let listForUsers: jest.Mock;
  let readAccess: jest.Mock;
  let refreshRecords: jest.Mock;
  let served: string[] | undefined;
  let service: AccessService;

  beforeEach(() => {
    served = undefined;
    listForUsers = jest.fn(async (ids: string[]) => rows.filter((r) => ids.includes(r.portalUserId)));
    readAccess = jest.fn(async (_keys: RecordKey[]): Promise<AccessSnapshot> => ({ vpds: new Map(), roles: new Map() }));
    refreshRecords = jest.fn(async () => undefined);
    const mappings = { listForUsers, list: (id: string) => listForUsers([id]) } as unknown as MappingsService;
    const config = {
      esrRoleName: 'Digital Passport Administrator',
      activationDelayMs: 24 * 3_600_000,
      accessMaxStalenessMs: 26 * 3_600_000,
      get esrVpds() {
        return served;
      },
    } as unknown as AppConfig;
    service = new AccessService(mappings, { readAccess } as unknown as RoleStore, config, clock, {
      refreshRecords,
    });
  });

  it('should read every user and every record at once, and answer in the order asked', async () => {
    const answers = await service.resolveMany(['b', 'nobody', 'a']);
    expect(answers.map((a) => [a.portalUserId, a.mappings.length])).toEqual([
      ['b', 1],
      ['nobody', 0],
      ['a', 3],
    ]);
    expect(listForUsers).toHaveBeenCalledTimes(1);
    expect(readAccess).toHaveBeenCalledTimes(1);
    expect(readAccess.mock.calls[0][0]).toHaveLength(3); // 979/11111111 is read once for both users
    expect(answers[2].asOf).toBe('2026-11-25T10:15:00.000Z');
  });

  it('should not touch the cache for users without mappings', async () => {
    await expect(service.resolve('nobody')).resolves.toMatchObject({ mappings: [], searchEnabled: false });
    expect(readAccess).not.toHaveBeenCalled();
  });

  it("should refresh once per served VPD with that VPD's employee numbers, then resolve", async () => {
    served = ['979'];
    const access = await service.refresh('a');
    expect(refreshRecords.mock.calls).toEqual([['979', ['11111111', '33333333']]]);
    expect(access.mappings).toHaveLength(3);
    expect(readAccess).toHaveBeenCalledTimes(1);
  });

  it('should let ESR failures of a refresh propagate', async () => {
    refreshRecords.mockRejectedValueOnce(Object.assign(new Error('ESR down'), { code: 'ESR_UNAVAILABLE' }));
    await expect(service.refresh('a')).rejects.toThrow('ESR down');
  });

  it('should authorise a VPD only with an ACTIVE mapping there', async () => {
    const decision = await service.authorise('a', '555');
    expect(decision).toMatchObject({ allowed: false, state: null, mapping: null });
    const notSynced = await service.authorise('a', '979');
    expect(notSynced).toMatchObject({ allowed: false, state: 'NOT_SYNCED' });
  });
});

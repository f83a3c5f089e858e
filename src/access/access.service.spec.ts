import type { CacheStore } from '../cache/cache.store';
import type { AccessSnapshot, RecordKey } from '../cache/role-cache.types';
import { FakeClock } from '../common/clock/clock';
import type { AppConfig } from '../config/app-config';
import type { EsrMapping } from '../mappings/esr-mapping.entity';
import type { MappingsService } from '../mappings/mappings.service';
import type { RoleSyncService } from '../sync/role-sync.service';
import type { MappingVerifier } from '../mappings/mapping-verifier';
import { AccessResolver } from './access-resolver';
import type { AccessChangeRecorder } from '../access-events/access-change.recorder';
import { AccessService } from './access.service';

const row = (portalUserId: string, vpd: string, employeeNumber: string): EsrMapping => ({
  id: `${vpd}${employeeNumber}`,
  portalUserId,
  vpd,
  employeeNumber,
  createdAt: new Date(),
  createdBy: 'lsa',
  verified: true,
  verifiedAt: new Date(),
  esrStatus: 'FOUND',
  displayName: null,
  checkAfter: null,
  checkAttempts: 0,
});

describe(AccessService.name, () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:15:00Z'));
  const rows = [row('a', '979', '11111111'), row('a', '123', '22222222'), row('a', '979', '33333333'), row('b', '979', '11111111')];
  let listForUsers: jest.Mock;
  let readAccess: jest.Mock;
  let refreshRecords: jest.Mock;
  let knownSyncVpds: jest.Mock;
  let verifyNow: jest.Mock;
  let served: string[] | undefined;
  let service: AccessService;

  beforeEach(() => {
    served = undefined;
    listForUsers = jest.fn(async (ids: string[]) => rows.filter((r) => ids.includes(r.portalUserId)));
    readAccess = jest.fn(async (_keys: RecordKey[]): Promise<AccessSnapshot> => ({ vpds: new Map(), roles: new Map() }));
    refreshRecords = jest.fn(async () => undefined);
    knownSyncVpds = jest.fn(async () => ['979']);
    verifyNow = jest.fn(async () => ({ checked: 0, verified: 0, notFound: 0, unknown: 0 }));
    const mappings = { listForUsers, list: (id: string) => listForUsers([id]) } as unknown as MappingsService;
    const config = {
      esrRoleName: 'Digital Passport Administrator',
      activationDelayMs: 24 * 3_600_000,
      accessMaxStalenessMs: 26 * 3_600_000,
      get esrVpds() {
        return served;
      },
    } as unknown as AppConfig;
    const resolver = new AccessResolver({ readAccess, knownSyncVpds } as unknown as CacheStore, config, clock);
    service = new AccessService(
      mappings,
      resolver,
      config,
      { refreshRecords } as unknown as RoleSyncService,
      { verifyNow } as unknown as MappingVerifier,
      { reevaluateNow: async () => 0 } as unknown as AccessChangeRecorder,
    );
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

  it('should check unverified mappings in ESR on a refresh, and only then', async () => {
    await service.refresh('a');
    expect(verifyNow).not.toHaveBeenCalled();
    rows[0].verified = false;
    try {
      await service.refresh('a');
      expect(verifyNow).toHaveBeenCalledTimes(1);
      expect(verifyNow.mock.calls[0][0].map((r: EsrMapping) => r.employeeNumber)).toContain('11111111');
    } finally {
      rows[0].verified = true;
    }
  });

  it('should read the VPDs the sync has seen at most once a minute, only when a mapped VPD has no data', async () => {
    rows[1].verified = false;
    const first = await service.resolve('a');
    rows[1].verified = true;
    expect(first.mappings.find((m) => m.vpd === '123')?.reason).toContain('ESR does not list VPD 123 for this gateway');
    await service.resolve('a');
    expect(knownSyncVpds).toHaveBeenCalledTimes(1);
    clock.advance(61_000);
    await service.resolve('a');
    expect(knownSyncVpds).toHaveBeenCalledTimes(2);
  });

  it('should tell a user with no mappings to ask their LSA, at the top level', async () => {
    await expect(service.resolve('nobody')).resolves.toMatchObject({
      reason: expect.stringContaining('ask your Local System Administrator to add your ESR employee number and VPD via Manage User'),
    });
  });

  it('should authorise a VPD only with an ACTIVE mapping there', async () => {
    const decision = await service.authorise('a', '555');
    expect(decision).toMatchObject({ allowed: false, state: null, mapping: null });
    const notSynced = await service.authorise('a', '979');
    expect(notSynced).toMatchObject({ allowed: false, state: 'NOT_SYNCED' });
  });
});

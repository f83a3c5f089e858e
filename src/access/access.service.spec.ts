import { FakeClock } from '../common/clock/clock';
import type { AccessSettings } from '../config/settings/access.settings';
import type { EsrSettings } from '../config/settings/esr.settings';
import type { EsrMapping } from '../database/esr-mapping.entity';
import type { MappingsService } from '../mappings/mappings.service';
import { MetricsService } from '../metrics/metrics.service';
import type { AccessSnapshot, RecordKey } from '../role-store/role.types';
import type { AccessChangeRecorder } from '../access-events/access-change-recorder';
import type { MappingVerifier } from '../mappings/mapping-verifier';
import type { RoleReads } from '../role-store/role-reads';
import { AccessResolver } from '../access-policy/access-resolver';
import { AccessService } from './access.service';
import { MappingCacheMetrics } from '../mapping-cache/mapping-cache.metrics';
import { MemoryMappingCache } from '../mapping-cache/memory-mapping-cache';

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
  let rows: EsrMapping[];
  let listForUsers: jest.Mock;
  let readRoles: jest.Mock;
  let refreshRecords: jest.Mock;
  let mirror: MemoryMappingCache;
  let metrics: MetricsService;
  let service: AccessService;

  let knownSyncVpds: jest.Mock;
  let verifyNow: jest.Mock;

  const build = (served?: string[]) => {
    const esr = { roleName: 'Digital Passport Administrator', vpds: served, interactiveDeadlineMs: 10_000 } as unknown as EsrSettings;
    const access = { activationDelayMs: 24 * 3_600_000, maxStalenessMs: 26 * 3_600_000 } as unknown as AccessSettings;
    const mappings = { listForUsers, list: (id: string) => listForUsers([id]) } as unknown as MappingsService;
    metrics = new MetricsService();
    const resolver = new AccessResolver({ readAccess: readRoles, knownSyncVpds } as unknown as RoleReads, esr, access, clock);
    service = new AccessService(
      mappings,
      mirror,
      resolver,
      esr,
      { refreshRecords },
      { verifyNow } as unknown as MappingVerifier,
      { reevaluateNow: async () => 0 } as unknown as AccessChangeRecorder,
      new MappingCacheMetrics(metrics),
    );
  };

  beforeEach(() => {
    rows = [row('a', '979', '11111111'), row('a', '123', '22222222'), row('a', '979', '33333333'), row('b', '979', '44444444')];
    listForUsers = jest.fn(async (ids: string[]) => rows.filter((r) => ids.includes(r.portalUserId)));
    readRoles = jest.fn(async (_keys: RecordKey[]): Promise<AccessSnapshot> => ({ vpds: new Map(), roles: new Map() }));
    refreshRecords = jest.fn(async () => undefined);
    knownSyncVpds = jest.fn(async () => ['979']);
    verifyNow = jest.fn(async () => ({ checked: 0, verified: 0, notFound: 0, unknown: 0 }));
    mirror = new MemoryMappingCache({ readAccess: readRoles });
    build();
  });

  it('should read uncached users from the database in ONE query, cache them, and answer in the order asked', async () => {
    const read = jest.spyOn(mirror, 'read');
    const fill = jest.spyOn(mirror, 'fillAndRead');
    const answers = await service.resolveMany(['b', 'nobody', 'a', 'b']);
    expect(answers.map((a) => [a.portalUserId, a.mappings.length])).toEqual([
      ['b', 1],
      ['nobody', 0],
      ['a', 3],
      ['b', 1],
    ]);
    expect(read).toHaveBeenCalledTimes(1);
    expect(read.mock.calls[0][0]).toEqual(['b', 'nobody', 'a']);
    expect(listForUsers).toHaveBeenCalledTimes(1);
    expect(fill).toHaveBeenCalledTimes(1);
    expect(fill.mock.calls[0][1]).toHaveLength(4);
    expect(answers[2].asOf).toBe('2026-11-25T10:15:00.000Z');
  });

  it('should answer cached users without the database, users without mappings included', async () => {
    await service.resolveMany(['a', 'b', 'nobody']);
    listForUsers.mockClear();
    const fill = jest.spyOn(mirror, 'fillAndRead');
    const answers = await service.resolveMany(['a', 'b', 'nobody']);
    expect(answers.map((a) => a.mappings.map((m) => m.employeeNumber))).toEqual([['11111111', '22222222', '33333333'], ['44444444'], []]);
    expect(listForUsers).not.toHaveBeenCalled();
    expect(fill).not.toHaveBeenCalled();
    const body = (await metrics.render()).body;
    expect(body).toMatch(/esr_gateway_mapping_cache_lookups_total\{result="hit"\} 3/);
    expect(body).toMatch(/esr_gateway_mapping_cache_lookups_total\{result="miss"\} 3/);
  });

  it('should read a user held by a write from the database every time, without caching them', async () => {
    const hold = await mirror.hold(['a'], clock.nowMs());
    await service.resolve('a');
    rows = rows.filter((r) => r.employeeNumber !== '33333333');
    await expect(service.resolve('a')).resolves.toMatchObject({ mappings: [{}, {}] });
    expect(listForUsers).toHaveBeenCalledTimes(2);
    await mirror.release(['a'], hold);
    await service.resolve('a');
    await expect(service.resolve('a')).resolves.toMatchObject({ mappings: [{}, {}] });
    expect(listForUsers).toHaveBeenCalledTimes(3);
  });

  it('should not cache what it read when a write began and ended meanwhile', async () => {
    listForUsers.mockImplementationOnce(async (ids: string[]) => {
      const before = rows.filter((r) => ids.includes(r.portalUserId));
      const hold = await mirror.hold(['b'], clock.nowMs());
      rows = rows.filter((r) => r.portalUserId !== 'b');
      await mirror.release(['b'], hold);
      return before;
    });
    // The answer is the one read (the delete had not happened when it was read) ...
    await expect(service.resolve('b')).resolves.toMatchObject({ mappings: [{ employeeNumber: '44444444' }] });
    // ... but it was not cached: the next read sees the delete.
    await expect(service.resolve('b')).resolves.toMatchObject({ mappings: [] });
  });

  it("should refresh once per served VPD with that VPD's employee numbers, then resolve", async () => {
    build(['979']);
    const access = await service.refresh('a');
    expect(refreshRecords.mock.calls).toEqual([['979', ['11111111', '33333333']]]);
    expect(access.mappings).toHaveLength(3);
  });

  it('should let ESR failures of a refresh propagate', async () => {
    refreshRecords.mockRejectedValueOnce(Object.assign(new Error('ESR down'), { code: 'ESR_UNAVAILABLE' }));
    await expect(service.refresh('a')).rejects.toThrow('ESR down');
  });

  it('should check unverified mappings in ESR on a refresh, and only then', async () => {
    await service.refresh('a');
    expect(verifyNow).not.toHaveBeenCalled();
    rows[0].verified = false;
    await service.refresh('a');
    expect(verifyNow).toHaveBeenCalledTimes(1);
    expect(verifyNow.mock.calls[0][0].map((r: EsrMapping) => r.employeeNumber)).toContain('11111111');
  });

  it('should read the VPDs the sync has seen at most once a minute, only when a mapped VPD has no data', async () => {
    rows[1].verified = false;
    const first = await service.resolve('a');
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

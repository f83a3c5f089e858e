import { Logger } from '@nestjs/common';
import { MemoryMappingCache } from '../mapping-cache/memory-mapping-cache';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEvent } from '../database/audit-event.entity';
import { AuditService } from '../audit/audit.service';
import { FakeClock } from '../common/clock/clock';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import { validateEnvironment } from '../config/env.schema';
import { settingsFrom } from '../config/settings/settings';
import { buildDataSourceOptions } from '../database/data-source-options';
import { isUniqueViolation } from './database-errors';
import { EsrMapping } from '../database/esr-mapping.entity';
import { MAX_MAPPINGS_PER_USER } from './identifiers';
import { MappingExistsError, MappingsService, RecordMappedToOtherUserError } from './mappings.service';
import type { RecordCheck } from './esr-record-checker';
import type { MappingSaveCheck } from './mapping-save-check';
import { VpdNotServedError } from './served-vpd-check';
import { MappingCheckQueue } from './mapping-check-queue';
import { MappingImportService } from './mapping-import.service';
import { MappingMirrorHold } from './mapping-mirror-hold';
import { AccessChangeRecorder } from '../access-events/access-change-recorder';
import { AccessResolver } from '../access-policy/access-resolver';
import { recordKey, RecordKey } from '../role-store/role.types';
import { memoryStores } from '../role-store/stores';

/** ESR as the checker sees it: records in `unknown` do not exist, records in `down` cannot be asked about. */
class FakeChecker {
  readonly unknown = new Set<string>();
  readonly down = new Set<string>();
  readonly asked: string[] = [];
  concurrency = 4;
  answer(key: RecordKey): RecordCheck {
    const k = recordKey(key.vpd, key.employeeNumber);
    this.asked.push(k);
    if (this.down.has(k)) return { status: 'UNKNOWN', why: 'ESR_UNAVAILABLE' };
    return this.unknown.has(k) ? { status: 'NOT_FOUND' } : { status: 'FOUND', displayName: `Mx Person ${key.employeeNumber}` };
  }
  async lookUp(key: RecordKey): Promise<RecordCheck> {
    return this.answer(key);
  }
  async inRoleData(): Promise<Set<string>> {
    return new Set();
  }
  async checkMany(keys: RecordKey[]): Promise<Map<string, RecordCheck>> {
    return new Map(keys.map((k) => [recordKey(k.vpd, k.employeeNumber), this.answer(k)]));
  }
  // MappingSaveCheck's face: every VPD but `notServedVpds` is served, the look-up budgets are unlimited.
  readonly notServedVpds = new Set<string>();
  async assertServed(vpd: string): Promise<void> {
    if (this.notServedVpds.has(vpd)) throw new VpdNotServedError(vpd, 'listed');
  }
  async notServed(vpds: string[]): Promise<Map<string, VpdNotServedError>> {
    return new Map(vpds.filter((v) => this.notServedVpds.has(v)).map((v) => [v, new VpdNotServedError(v, 'listed')]));
  }
  async check(key: RecordKey): Promise<RecordCheck> {
    return this.lookUp(key);
  }
  async checkRows(keys: RecordKey[]): Promise<Map<string, RecordCheck>> {
    return this.checkMany(keys);
  }
}

/** MappingsService (with MappingImportService and MappingCheckQueue) on the embedded default's database (SQLite, in memory, real migrations). */
describe(MappingsService.name, () => {
  const ctx = { actor: 'lsa.user', apiKeyId: 'portal1', requestId: 'req-1' };
  let dataSource: DataSource;
  let clock: FakeClock;
  let audit: AuditService;
  let service: MappingsService;
  let importer: MappingImportService;
  let queue: MappingCheckQueue;
  let mirror: MemoryMappingCache;
  let checker: FakeChecker;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(async () => {
    const settings = settingsFrom(validateEnvironment({ SQLITE_PATH: ':memory:' }));
    dataSource = new DataSource({ ...buildDataSourceOptions(settings.database), migrationsRun: true });
    await dataSource.initialize();
    clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
    audit = new AuditService(dataSource.getRepository(AuditEvent), clock);
    mirror = new MemoryMappingCache({ readAccess: async () => ({ vpds: new Map(), roles: new Map() }) });
    checker = new FakeChecker();
    const resolver = new AccessResolver(memoryStores(clock).reads, settings.esr, settings.access, clock);
    const recorder = new AccessChangeRecorder(resolver, settings.webhooks, clock);
    const mirrorHold = new MappingMirrorHold(mirror, clock);
    service = new MappingsService(
      dataSource,
      audit,
      clock,
      checker as unknown as MappingSaveCheck,
      recorder,
      resolver,
      settings.access,
      mirrorHold,
    );
    importer = new MappingImportService(
      dataSource,
      audit,
      clock,
      checker as unknown as MappingSaveCheck,
      recorder,
      settings.access,
      settings.esr,
      mirrorHold,
      resolver,
    );
    queue = new MappingCheckQueue(dataSource, clock, recorder, mirrorHold);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await dataSource.destroy();
  });

  const events = () => dataSource.getRepository(AuditEvent).find({ order: { id: 'ASC' } });
  const rows = () => dataSource.getRepository(EsrMapping).find();

  it('should add a mapping with a MAPPING_CREATED audit event', async () => {
    const { row, access } = await service.create('hiran', { vpd: '979', employeeNumber: '30581377' }, ctx);
    expect(row).toMatchObject({ portalUserId: 'hiran', vpd: '979', employeeNumber: '30581377', createdBy: 'lsa.user' });
    expect(row).toMatchObject({ verified: true, esrStatus: 'FOUND', displayName: 'Mx Person 30581377', checkAfter: null });
    expect(access).toMatchObject({ state: 'NOT_SYNCED' });
    expect(row.createdAt.toISOString()).toBe('2026-11-25T10:12:00.000Z');
    await expect(service.list('hiran')).resolves.toHaveLength(1);
    await expect(events()).resolves.toEqual([
      expect.objectContaining({
        type: 'MAPPING_CREATED',
        actor: 'lsa.user',
        apiKeyId: 'portal1',
        requestId: 'req-1',
        subjectUserId: 'hiran',
        vpd: '979',
        employeeNumber: '30581377',
      }),
    ]);
  });

  it('should refuse the same row again with MAPPING_EXISTS and another user with ESR_RECORD_MAPPED_TO_OTHER_USER', async () => {
    await service.create('hiran', { vpd: '979', employeeNumber: '30581377' }, ctx);
    await expect(service.create('hiran', { vpd: '979', employeeNumber: '30581377' }, ctx)).rejects.toBeInstanceOf(MappingExistsError);
    await expect(service.create('other', { vpd: '979', employeeNumber: '30581377' }, ctx)).rejects.toMatchObject({
      code: 'ESR_RECORD_MAPPED_TO_OTHER_USER',
    });
    await expect(rows()).resolves.toHaveLength(1);
    await expect(events()).resolves.toHaveLength(1);
  });

  it('should translate the SQLite unique-index violation of a writer that lost the race', async () => {
    await service.create('hiran', { vpd: '979', employeeNumber: '30581377' }, ctx);
    // The pre-check misses the row, as it would for a concurrent writer; the unique index refuses it.
    jest.spyOn(EntityManager.prototype, 'findOne').mockResolvedValueOnce(null);
    await expect(service.create('other', { vpd: '979', employeeNumber: '30581377' }, ctx)).rejects.toBeInstanceOf(
      RecordMappedToOtherUserError,
    );
    jest.spyOn(EntityManager.prototype, 'findOne').mockResolvedValueOnce(null);
    await expect(service.create('hiran', { vpd: '979', employeeNumber: '30581377' }, ctx)).rejects.toBeInstanceOf(MappingExistsError);
    await expect(events()).resolves.toHaveLength(1);
  });

  it('should recognise the raw SQLite unique violation', async () => {
    const repo = dataSource.getRepository(EsrMapping);
    const row = { portalUserId: 'a', vpd: '979', employeeNumber: '30581377', createdAt: new Date(), createdBy: 'x' };
    await repo.insert({ id: 'id-1', ...row });
    const error = await repo.insert({ id: 'id-2', ...row, portalUserId: 'b' }).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(new Error('other'))).toBe(false);
  });

  it('should write neither the mapping nor its audit event when the audit insert fails', async () => {
    jest.spyOn(audit, 'record').mockRejectedValueOnce(new Error('audit insert failed'));
    await expect(service.create('hiran', { vpd: '979', employeeNumber: '30581377' }, ctx)).rejects.toThrow('audit insert failed');
    await expect(rows()).resolves.toEqual([]);
    await expect(events()).resolves.toEqual([]);
  });

  it(`should refuse a mapping beyond ${MAX_MAPPINGS_PER_USER} per user with VALIDATION_FAILED`, async () => {
    for (let i = 0; i < MAX_MAPPINGS_PER_USER; i++)
      await service.create('busy', { vpd: String(900 + i), employeeNumber: String(10_000_000 + i) }, ctx);
    const refusal = service.create('busy', { vpd: '979', employeeNumber: '99999999' }, ctx);
    await expect(refusal).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(refusal).rejects.toThrow(`already has the maximum of ${MAX_MAPPINGS_PER_USER} ESR mappings`);
  });

  it('should delete a mapping with a MAPPING_DELETED event, and 404 a missing one', async () => {
    await service.create('hiran', { vpd: '979', employeeNumber: '30581377' }, ctx);
    await expect(service.delete('other', { vpd: '979', employeeNumber: '30581377' }, ctx)).rejects.toBeInstanceOf(NotFoundError);
    await service.delete('hiran', { vpd: '979', employeeNumber: '30581377' }, { ...ctx, requestId: 'req-2' });
    await expect(rows()).resolves.toEqual([]);
    await expect(service.delete('hiran', { vpd: '979', employeeNumber: '30581377' }, ctx)).rejects.toBeInstanceOf(NotFoundError);
    const all = await events();
    expect(all.map((e) => e.type)).toEqual(['MAPPING_CREATED', 'MAPPING_DELETED']);
    expect(all[1]).toMatchObject({ requestId: 'req-2', subjectUserId: 'hiran', vpd: '979', employeeNumber: '30581377' });
  });

  it('should import good rows in one go and report bad, conflicting and duplicate rows', async () => {
    await service.create('owner', { vpd: '979', employeeNumber: '11111111' }, ctx);
    await service.create('hiran', { vpd: '979', employeeNumber: '22222222' }, ctx);
    const result = await importer.import(
      [
        { portalUserId: 'hiran', vpd: '980', employeeNumber: '30581377' }, // 0 created
        { portalUserId: 'hiran', vpd: '979' }, // 1 missing
        { portalUserId: 'other', vpd: '979', employeeNumber: '11111111' }, // 2 mapped to owner
        { portalUserId: 'hiran', vpd: '979', employeeNumber: '22222222' }, // 3 identical: skipped
        { portalUserId: 'hiran', vpd: '980', employeeNumber: '30581377' }, // 4 repeat of row 0: skipped
        { portalUserId: 'third', vpd: '980', employeeNumber: '30581377' }, // 5 row 0 has it
        { portalUserId: 'third', vpd: '12', employeeNumber: '33333333' }, // 6 bad vpd
        'nonsense', // 7
        { portalUserId: 'third', vpd: '123', employeeNumber: '33333333' }, // 8 created
      ],
      ctx,
    );
    expect(result.created).toBe(2);
    expect(result.skipped).toBe(2);
    expect(result.errors.map((e) => [e.index, e.error])).toEqual([
      [1, 'VALIDATION_FAILED'],
      [2, 'ESR_RECORD_MAPPED_TO_OTHER_USER'],
      [5, 'ESR_RECORD_MAPPED_TO_OTHER_USER'],
      [6, 'VALIDATION_FAILED'],
      [7, 'VALIDATION_FAILED'],
    ]);
    expect(result.errors[0].message).toBe('Please enter an employee number and vpd');
    expect(result.errors[2]).toMatchObject({
      relatedIndex: 0,
      message: expect.stringContaining('by an earlier row of this import (items[0])'),
    });
    // Nothing is synced here: both written rows are NOT_SYNCED, so both are warned about.
    expect(result.warnings.map((w) => [w.index, w.state, w.verified])).toEqual([
      [0, 'NOT_SYNCED', true],
      [8, 'NOT_SYNCED', true],
    ]);
    const mapped = (await rows()).map((r) => `${r.portalUserId}:${r.vpd}:${r.employeeNumber}`).sort();
    expect(mapped).toEqual(['hiran:979:22222222', 'hiran:980:30581377', 'owner:979:11111111', 'third:123:33333333']);
    const created = (await events()).filter((e) => e.details?.source === 'import');
    expect(created.map((e) => `${e.subjectUserId}:${e.employeeNumber}`).sort()).toEqual(['hiran:30581377', 'third:33333333']);
  });

  it('should write nothing of an import whose transaction fails', async () => {
    jest.spyOn(audit, 'recordMany').mockRejectedValueOnce(new DomainError('INTERNAL', 'boom'));
    await expect(importer.import([{ portalUserId: 'u', vpd: '979', employeeNumber: '30581377' }], ctx)).rejects.toThrow('boom');
    await expect(rows()).resolves.toEqual([]);
  });

  it('should refuse a record ESR does not know with ESR_RECORD_NOT_FOUND, writing nothing', async () => {
    checker.unknown.add('979:00000000');
    const refusal = service.create('hiran', { vpd: '979', employeeNumber: '00000000' }, ctx);
    await expect(refusal).rejects.toMatchObject({ code: 'ESR_RECORD_NOT_FOUND', status: 422 });
    await expect(refusal).rejects.toThrow('employee number 00000000 in VPD 979');
    await expect(rows()).resolves.toEqual([]);
    await expect(events()).resolves.toEqual([]);
  });

  it('should save unverified, to be checked in the background, when ESR cannot answer', async () => {
    checker.down.add('979:30581377');
    const { row, access } = await service.create('hiran', { vpd: '979', employeeNumber: '30581377' }, ctx);
    expect(row).toMatchObject({ verified: false, esrStatus: null, displayName: null });
    expect(row.checkAfter?.toISOString()).toBe(clock.now().toISOString());
    expect(access.reason).toContain('ESR has not yet confirmed employee number 30581377 in VPD 979');
    await expect(queue.dueChecks(10)).resolves.toHaveLength(1);
  });

  it('should not ask ESR about import rows that would not be written', async () => {
    await service.create('owner', { vpd: '979', employeeNumber: '11111111' }, ctx);
    checker.asked.length = 0;
    await importer.import(
      [
        { portalUserId: 'owner', vpd: '979', employeeNumber: '11111111' },
        { portalUserId: 'other', vpd: '979', employeeNumber: '11111111' },
        { portalUserId: 'new', vpd: '979', employeeNumber: '22222222' },
        { portalUserId: 'new', vpd: '979', employeeNumber: '22222222' },
      ],
      ctx,
    );
    expect(checker.asked).toEqual(['979:22222222']);
  });

  it('should report import rows ESR does not know and count those saved unverified', async () => {
    checker.unknown.add('979:00000000');
    checker.down.add('979:33333333');
    const result = await importer.import(
      [
        { portalUserId: 'a', vpd: '979', employeeNumber: '00000000' },
        { portalUserId: 'b', vpd: '979', employeeNumber: '22222222' },
        { portalUserId: 'c', vpd: '979', employeeNumber: '33333333' },
      ],
      ctx,
    );
    expect(result).toMatchObject({ created: 2, skipped: 0, unverified: 1 });
    expect(result.warnings.map((w) => w.index)).toEqual([1, 2]);
    expect(result.warnings.filter((w) => !w.verified)).toHaveLength(1);
    expect(result.errors).toEqual([
      expect.objectContaining({ index: 0, error: 'ESR_RECORD_NOT_FOUND', message: expect.stringContaining('00000000 in VPD 979') }),
    ]);
  });

  it.each([
    [
      'after',
      [
        { portalUserId: 'other', vpd: '979', employeeNumber: '11111111' },
        { portalUserId: 'owner', vpd: '979', employeeNumber: '11111111' },
      ],
    ],
    [
      'before',
      [
        { portalUserId: 'owner', vpd: '979', employeeNumber: '11111111' },
        { portalUserId: 'other', vpd: '979', employeeNumber: '11111111' },
      ],
    ],
  ])("should skip the owner's own row placed %s another user's rejected row for the same record", async (_where, items) => {
    await service.create('owner', { vpd: '979', employeeNumber: '11111111' }, ctx);
    const result = await importer.import(items, ctx);
    const otherIndex = items.findIndex((i) => i.portalUserId === 'other');
    expect(result).toMatchObject({ created: 0, skipped: 1 });
    expect(result.errors).toEqual([expect.objectContaining({ index: otherIndex, error: 'ESR_RECORD_MAPPED_TO_OTHER_USER' })]);
  });

  it('should give the same result whatever the order of rows that do not really conflict', async () => {
    await service.create('owner', { vpd: '979', employeeNumber: '11111111' }, ctx);
    const items = [
      { portalUserId: 'other', vpd: '979', employeeNumber: '11111111' },
      { portalUserId: 'owner', vpd: '979', employeeNumber: '11111111' },
      { portalUserId: 'new', vpd: '979', employeeNumber: '22222222' },
      { portalUserId: 'new', vpd: '979', employeeNumber: '22222222' },
    ];
    const forward = await importer.import(items, ctx);
    await dataSource.getRepository(EsrMapping).delete({ portalUserId: 'new' });
    const backward = await importer.import([...items].reverse(), ctx);
    const summary = (r: typeof forward, n: number) => ({
      created: r.created,
      skipped: r.skipped,
      errors: r.errors.map((e) => [items[n === 0 ? e.index : items.length - 1 - e.index].portalUserId, e.error]),
    });
    expect(summary(backward, 1)).toEqual(summary(forward, 0));
    expect(forward).toMatchObject({ created: 1, skipped: 2 });
  });

  it('should delete every mapping of a user with a MAPPING_DELETED event each', async () => {
    await service.create('leaver', { vpd: '979', employeeNumber: '11111111' }, ctx);
    await service.create('leaver', { vpd: '123', employeeNumber: '22222222' }, ctx);
    await service.create('stayer', { vpd: '979', employeeNumber: '33333333' }, ctx);
    await expect(service.deleteAll('leaver', ctx)).resolves.toEqual({ deleted: 2 });
    await expect(service.deleteAll('leaver', ctx)).resolves.toEqual({ deleted: 0 });
    expect((await rows()).map((r) => r.portalUserId)).toEqual(['stayer']);
    const deleted = (await events()).filter((e) => e.type === 'MAPPING_DELETED');
    expect(deleted.map((e) => e.employeeNumber).sort()).toEqual(['11111111', '22222222']);
  });

  it('should list several users in one query', async () => {
    await service.create('a', { vpd: '979', employeeNumber: '11111111' }, ctx);
    await service.create('b', { vpd: '979', employeeNumber: '22222222' }, ctx);
    const query = jest.spyOn(dataSource.logger, 'logQuery');
    const found = await service.listForUsers(['a', 'b', 'c']);
    expect(found.map((r) => r.portalUserId)).toEqual(['a', 'b']);
    expect(query).toHaveBeenCalledTimes(1);
  });

  describe('mapping mirror hooks', () => {
    const key = { vpd: '979', employeeNumber: '30581377' };
    const cached = async (user: string) => (await mirror.read([user])).users.get(user);

    it('should hold the user in the mirror during every write and release them after it', async () => {
      const hold = jest.spyOn(mirror, 'hold');
      const release = jest.spyOn(mirror, 'release');
      await service.create('hiran', key, ctx);
      await service.delete('hiran', key, ctx);
      await importer.import([{ portalUserId: 'third', vpd: '123', employeeNumber: '33333333' }], ctx);
      expect(hold.mock.calls.map((c) => c[0])).toEqual([['hiran'], ['hiran'], ['third']]);
      expect(release.mock.calls.map((c) => c[0])).toEqual([['hiran'], ['hiran'], ['third']]);
      expect(release.mock.calls.map((c) => c[1])).toEqual(await Promise.all(hold.mock.results.map((r) => r.value)));
      await expect(cached('hiran')).resolves.toMatchObject({ kind: 'miss' });
    });

    it('should release the users also when the write fails', async () => {
      const release = jest.spyOn(mirror, 'release');
      await expect(service.delete('nobody', key, ctx)).rejects.toBeInstanceOf(NotFoundError);
      expect(release).toHaveBeenCalledWith(['nobody'], expect.any(String));
      await expect(cached('nobody')).resolves.toMatchObject({ kind: 'miss' });
    });

    it('should write nothing when the mirror cannot be held', async () => {
      await service.create('hiran', key, ctx);
      jest.spyOn(mirror, 'hold').mockRejectedValue(new DomainError('DEPENDENCY_UNAVAILABLE', 'cache down'));
      await expect(service.delete('hiran', key, ctx)).rejects.toThrow('cache down');
      await expect(service.create('other', { vpd: '979', employeeNumber: '11111111' }, ctx)).rejects.toThrow('cache down');
      await expect(rows()).resolves.toEqual([expect.objectContaining({ portalUserId: 'hiran', ...key })]);
    });

    it('should keep a committed write, and the user held, when the release fails', async () => {
      jest.spyOn(mirror, 'release').mockRejectedValueOnce(new Error('cache down'));
      await service.create('hiran', key, ctx);
      await expect(rows()).resolves.toHaveLength(1);
      await expect(cached('hiran')).resolves.toEqual({ kind: 'held' });
    });
  });
});

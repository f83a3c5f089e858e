import { DataSource } from 'typeorm';
import { FakeClock } from '../common/clock/clock';
import { ValidationFailedError } from '../common/errors/domain-error';
import { validateEnvironment } from '../config/env.schema';
import { DatabaseSettings } from '../config/settings/database.settings';
import { buildDataSourceOptions } from '../database/data-source-options';
import { AuditEvent } from '../database/audit-event.entity';
import { AuditService, decodeAuditCursor, encodeAuditCursor } from './audit.service';

describe(AuditService.name, () => {
  let dataSource: DataSource;
  let clock: FakeClock;
  let audit: AuditService;

  beforeEach(async () => {
    const database = new DatabaseSettings(validateEnvironment({ SQLITE_PATH: ':memory:' }));
    dataSource = new DataSource({ ...buildDataSourceOptions(database), migrationsRun: true });
    await dataSource.initialize();
    clock = new FakeClock(Date.parse('2026-11-25T10:00:00Z'));
    audit = new AuditService(dataSource.getRepository(AuditEvent), clock);
  });

  afterEach(() => dataSource.destroy());

  async function seed(): Promise<void> {
    for (let i = 0; i < 7; i++) {
      await audit.record({ type: i % 2 ? 'MAPPING_DELETED' : 'MAPPING_CREATED', actor: i < 4 ? 'lsa' : 'other', subjectUserId: `u${i}` });
      clock.advance(60_000);
    }
  }

  it('should page newest first with an opaque cursor until nextCursor is null', async () => {
    await seed();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit.find({ limit: 3, cursor });
      seen.push(...page.items.map((e) => e.subjectUserId as string));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['u6', 'u5', 'u4', 'u3', 'u2', 'u1', 'u0']);
  });

  it('should filter by type, actor and time range (from inclusive, to exclusive)', async () => {
    await seed();
    const byType = await audit.find({ limit: 10, type: 'MAPPING_DELETED' });
    expect(byType.items.map((e) => e.subjectUserId)).toEqual(['u5', 'u3', 'u1']);
    const byActor = await audit.find({ limit: 10, actor: 'lsa', type: 'MAPPING_CREATED' });
    expect(byActor.items.map((e) => e.subjectUserId)).toEqual(['u2', 'u0']);
    const range = await audit.find({ limit: 10, from: new Date('2026-11-25T10:01:00Z'), to: new Date('2026-11-25T10:03:00Z') });
    expect(range.items.map((e) => e.subjectUserId)).toEqual(['u2', 'u1']);
    expect(range.nextCursor).toBeNull();
  });

  it('should write many events at once with recordMany', async () => {
    await audit.recordMany(
      Array.from({ length: 1200 }, (_, i) => ({
        type: 'MAPPING_CREATED' as const,
        actor: 'lsa',
        subjectUserId: `u${i}`,
        details: { n: i },
      })),
    );
    await expect(dataSource.getRepository(AuditEvent).count()).resolves.toBe(1200);
    const [last] = (await audit.find({ limit: 1 })).items;
    expect(last.details).toEqual({ n: 1199 });
  });

  it('should refuse a cursor that is not one it handed out', () => {
    expect(decodeAuditCursor(encodeAuditCursor('42'))).toBe('42');
    expect(() => decodeAuditCursor('bm9wZQ')).toThrow(ValidationFailedError);
    expect(() => decodeAuditCursor(encodeAuditCursor('0'))).toThrow(ValidationFailedError);
  });

  it('should refuse a cursor past the largest bigint id (the database would fail the query)', async () => {
    expect(decodeAuditCursor(encodeAuditCursor('9223372036854775807'))).toBe('9223372036854775807');
    expect(() => decodeAuditCursor(encodeAuditCursor('9223372036854775808'))).toThrow(ValidationFailedError);
    expect(() => decodeAuditCursor(encodeAuditCursor('9999999999999999999'))).toThrow(ValidationFailedError);
  });
});

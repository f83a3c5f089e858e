import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessChangeRecorder } from '../access-events/access-change-recorder';
import { WebhookDelivery } from '../database/webhook-delivery.entity';
import { AccessResolver } from '../access-policy/access-resolver';
import { AuditEvent } from '../database/audit-event.entity';
import { AuditService } from '../audit/audit.service';
import { memoryStores } from '../role-store/stores';
import { MemoryMappingCache } from '../mapping-cache/memory-mapping-cache';
import { FakeClock } from '../common/clock/clock';
import { validateEnvironment } from '../config/env.schema';
import { settingsFrom } from '../config/settings/settings';
import { buildDataSourceOptions } from '../database/data-source-options';
import type { MappingSaveCheck } from '../mappings/mapping-save-check';
import { MappingMirrorHold } from '../mappings/mapping-mirror-hold';
import { MappingsService } from '../mappings/mappings.service';
import { WebhookOutboxService } from './webhook-outbox.service';

/** The outbox on the embedded default's database (SQLite, real migrations): written with mapping changes, claimed in order per user. */
describe(WebhookOutboxService.name, () => {
  const ctx = { actor: 'lsa', apiKeyId: 'portal1', requestId: 'r' };
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  let dataSource: DataSource;
  let mappings: MappingsService;
  let outbox: WebhookOutboxService;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(async () => {
    const settings = settingsFrom(
      validateEnvironment({
        SQLITE_PATH: ':memory:',
        WEBHOOK_URL: 'http://127.0.0.1:9/hook',
        WEBHOOK_SECRET: 'secret-0123456789abcdef',
        WEBHOOK_MAX_ATTEMPTS: '2',
      }),
    );
    dataSource = new DataSource({ ...buildDataSourceOptions(settings.database), migrationsRun: true });
    await dataSource.initialize();
    const resolver = new AccessResolver(memoryStores(clock).reads, settings.esr, settings.access, clock);
    const checker = {
      assertServed: async () => undefined,
      check: async () => ({ status: 'FOUND', displayName: 'Mx A' }),
    } as unknown as MappingSaveCheck;
    const audit = new AuditService(dataSource.getRepository(AuditEvent), clock);
    mappings = new MappingsService(
      dataSource,
      audit,
      clock,
      checker,
      new AccessChangeRecorder(resolver, settings.webhooks, clock, dataSource),
      resolver,
      settings.access,
      new MappingMirrorHold(new MemoryMappingCache({ readAccess: async () => ({ vpds: new Map(), roles: new Map() }) }), clock),
    );
    outbox = new WebhookOutboxService(dataSource, clock);
  });

  afterEach(async () => {
    await dataSource.destroy();
  });

  it('should write an event with each mapping change, and hand out only the oldest pending event of each user', async () => {
    await mappings.create('a', { vpd: '979', employeeNumber: '11111111' }, ctx);
    await mappings.delete('a', { vpd: '979', employeeNumber: '11111111' }, ctx);
    await mappings.create('b', { vpd: '979', employeeNumber: '22222222' }, ctx);
    await expect(dataSource.getRepository(WebhookDelivery).count()).resolves.toBe(3);

    const first = await outbox.claim('me', 10);
    expect(first.map((r) => r.portalUserId)).toEqual(['a', 'b']);
    await expect(outbox.claim('other', 10)).resolves.toEqual([]);
    await outbox.delivered(first[0], 204);
    const next = await outbox.claim('other', 10);
    expect(next.map((r) => JSON.parse(r.payload).mappings[0].state)).toEqual([null]);
    await expect(outbox.backlog()).resolves.toEqual({ pending: 2, failed: 0, oldestPendingAgeSeconds: 0 });
  });

  it('should dead-letter at the attempt limit and re-send on request', async () => {
    await mappings.create('a', { vpd: '979', employeeNumber: '11111111' }, ctx);
    const [row] = await outbox.claim('me', 1);
    await expect(outbox.failed(row, 500, 'HTTP 500', 2)).resolves.toBe('pending');
    clock.advance(3_600_000);
    const [again] = await outbox.claim('me', 1);
    await expect(outbox.failed(again, 500, 'HTTP 500', 2)).resolves.toBe('failed');
    await expect(outbox.list('failed', undefined, 10)).resolves.toMatchObject({ items: [{ attempts: 2, lastError: 'HTTP 500' }] });
    await expect(outbox.retry(row.eventId)).resolves.toMatchObject({ status: 'pending', attempts: 0 });
    await expect(outbox.retry(row.eventId)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(outbox.retry('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("should number each user's events, and supersede a retried dead letter that a newer delivered event made stale", async () => {
    await mappings.create('a', { vpd: '979', employeeNumber: '11111111' }, ctx);
    await mappings.create('b', { vpd: '979', employeeNumber: '22222222' }, ctx);
    await mappings.delete('a', { vpd: '979', employeeNumber: '11111111' }, ctx);
    const rows = await dataSource.getRepository(WebhookDelivery).find({ order: { seq: 'ASC' } });
    expect(rows.map((r) => [r.portalUserId, Number(r.sequence), JSON.parse(r.payload).sequence])).toEqual([
      ['a', 1, 1],
      ['b', 1, 1],
      ['a', 2, 2],
    ]);

    const [stale] = (await outbox.claim('me', 10)).filter((r) => r.portalUserId === 'a');
    await expect(outbox.failed(stale, 500, 'HTTP 500', 1)).resolves.toBe('failed');
    const [newer] = (await outbox.claim('me', 10)).filter((r) => r.portalUserId === 'a');
    expect(Number(newer.sequence)).toBe(2);
    await outbox.delivered(newer, 204);

    await expect(outbox.retry(stale.eventId)).resolves.toMatchObject({ status: 'superseded' });
    await expect(outbox.list('superseded', undefined, 10)).resolves.toMatchObject({ items: [{ eventId: stale.eventId }] });
    expect((await outbox.claim('me', 10)).filter((r) => r.portalUserId === 'a')).toEqual([]);
    await expect(outbox.retry(stale.eventId)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('should supersede rather than send a re-sent dead letter that a newer event overtook while it waited', async () => {
    await mappings.create('a', { vpd: '979', employeeNumber: '11111111' }, ctx);
    const [first] = await outbox.claim('me', 1);
    await outbox.failed(first, 500, 'HTTP 500', 1);
    await expect(outbox.retry(first.eventId)).resolves.toMatchObject({ status: 'pending' }); // nothing newer delivered yet
    // A newer event of the user is delivered first (written straight into the outbox, as delivered).
    await mappings.delete('a', { vpd: '979', employeeNumber: '11111111' }, ctx);
    await dataSource.getRepository(WebhookDelivery).update({ portalUserId: 'a', sequence: '2' }, { status: 'delivered' });
    await expect(outbox.claim('me', 10)).resolves.toEqual([]);
    await expect(outbox.list('superseded', undefined, 10)).resolves.toMatchObject({ items: [{ eventId: first.eventId }] });
  });
});

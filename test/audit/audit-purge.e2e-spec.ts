import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { AUDIT_PURGE_BATCH, AUDIT_PURGE_LEASE, AuditPurgeService } from '../../src/audit/audit-purge.service';
import { LeaseStore } from '../../src/role-store/lease-store';
import { FakeClock } from '../../src/common/clock/clock';
import { startTestApp, TestApp } from '../support/test-env';

const DAY = 86_400_000;

/** AUDIT_RETENTION on PostgreSQL: only rows older than the retention go, in batches, on one replica. */
describe(AuditPurgeService.name, () => {
  const clock = new FakeClock(Date.parse('2027-06-01T03:45:00Z'));
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_RETENTION: 'P400D', ESR_BASE_URL: 'http://127.0.0.1:9' }, clock);
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  const insert = async (count: number, ageMs: number, actor: string) => {
    const occurredAt = new Date(clock.nowMs() - ageMs);
    const rows = Array.from({ length: count }, () => ({ type: 'MAPPING_CREATED' as const, occurredAt, actor, outcome: 'OK' }));
    for (let i = 0; i < rows.length; i += 1000) await db.getRepository(AuditEvent).insert(rows.slice(i, i + 1000));
  };
  const countOf = (actor: string) => db.getRepository(AuditEvent).count({ where: { actor } });

  it('should remove only rows older than the retention, in batches, and count them in the metric', async () => {
    await insert(AUDIT_PURGE_BATCH + 7, 401 * DAY, 'old');
    await insert(3, 400 * DAY + 1000, 'just.old');
    await insert(5, 400 * DAY - 1000, 'just.kept');
    await insert(4, DAY, 'recent');
    const outcome = await t.app.get(AuditPurgeService).purge();
    expect(outcome).toEqual({ ran: true, purged: AUDIT_PURGE_BATCH + 10, cutoff: new Date(clock.nowMs() - 400 * DAY).toISOString() });
    await expect(countOf('old')).resolves.toBe(0);
    await expect(countOf('just.old')).resolves.toBe(0);
    await expect(countOf('just.kept')).resolves.toBe(5);
    await expect(countOf('recent')).resolves.toBe(4);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain(`esr_gateway_audit_events_purged_total ${AUDIT_PURGE_BATCH + 10}`);
  }, 60_000);

  it('should not run while another replica holds the purge lease', async () => {
    await insert(2, 500 * DAY, 'held');
    const cache = t.app.get(LeaseStore);
    const lease = await cache.acquire(AUDIT_PURGE_LEASE, 'other-replica', 60_000);
    try {
      await expect(t.app.get(AuditPurgeService).purge()).resolves.toMatchObject({ ran: false, purged: 0 });
      await expect(countOf('held')).resolves.toBe(2);
    } finally {
      await cache.release(lease!);
    }
    await expect(t.app.get(AuditPurgeService).purge()).resolves.toMatchObject({ ran: true, purged: 2 });
  });
});

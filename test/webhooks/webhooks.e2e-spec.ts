import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { WebhookDelivery } from '../../src/database/webhook-delivery.entity';
import { FakeClock } from '../../src/common/clock/clock';
import { DatabaseSettings } from '../../src/config/settings/database.settings';
import { RedisSettings } from '../../src/config/settings/redis.settings';
import { parseWebhookSecret } from '../../src/config/webhook-secret';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { AccessMonitor } from '../../src/access-events/access-monitor.service';
import { WebhookOutboxService } from '../../src/webhooks/webhook-outbox.service';
import { verifyWebhook } from '../../src/webhooks/webhook-signature';
import { WebhookSender } from '../../src/webhooks/webhook-sender';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';
import { ReceivedWebhook, WebhookReceiver } from './webhook-receiver';

/** A Standard Webhooks secret, as `echo "whsec_$(openssl rand -base64 32)"` makes one. */
const SECRET = `whsec_${Buffer.from('webhook-test-key-of-32-bytes-012').toString('base64')}`;
const KEY = parseWebhookSecret(SECRET).bytes;
const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@nhs.net' };
const ops = { authorization: `Bearer ${OPS_KEY}` };

/** Access-change events against a local receiver: real PostgreSQL and Redis, the sandbox, a FakeClock. */
describe('Access-change webhooks (PostgreSQL, Redis, ESR sandbox)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  const receiver = new WebhookReceiver();
  let sandbox: RunningSandbox;
  let env: Record<string, string>;
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    env = {
      ESR_BASE_URL: sandbox.url,
      ESR_MAX_ATTEMPTS: '1',
      ESR_BREAKER_THRESHOLD: '100',
      ESR_VPDS: '979',
      WEBHOOK_URL: await receiver.start(),
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_MAX_ATTEMPTS: '3',
    };
    t = await startTestApp(env, clock);
    db = t.app.get(DataSource);
    expect(await t.app.get(RunCoordinator).runSync({ mode: 'full', vpd: '979' })).toMatchObject({ status: 'succeeded' });
  });

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
    await receiver.close();
  });

  beforeEach(() => {
    receiver.received.length = 0;
    receiver.statuses.length = 0;
  });

  const add = async (user: string, employeeNumber: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/users/${user}/esr-mappings`,
      headers: portal,
      payload: { vpd: '979', employeeNumber },
    });
    expect(res.statusCode).toBe(201);
  };
  const send = () => t.app.get(WebhookSender).sendDue();
  const monitor = () => t.app.get(AccessMonitor).runOnce();
  const eventsOf = (user: string) => receiver.events().filter((e) => e.portalUserId === user);
  /** What a portal receiver does with the standardwebhooks library, at the FakeClock's time (it checks the timestamp). */
  const verifyWithLibrary = (secret: string, { headers, body }: ReceivedWebhook): unknown => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(clock.nowMs());
    try {
      const signed = { 'webhook-id': String(headers['webhook-id']), 'webhook-timestamp': String(headers['webhook-timestamp']) };
      return new Webhook(secret).verify(body, { ...signed, 'webhook-signature': String(headers['webhook-signature']) });
    } finally {
      now.mockRestore();
    }
  };

  it('should POST a signed event for a new mapping, verifiable with WEBHOOK_SECRET', async () => {
    await add('signed.user', sandbox.admin.fixture('established').employeeNumber);
    await expect(send()).resolves.toMatchObject({ delivered: 1 });
    expect(receiver.received).toHaveLength(1);
    const [{ headers, body }] = receiver.received;
    const event = JSON.parse(body);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toBe(event.id);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(clock.nowMs() / 1000)));
    expect(verifyWebhook(KEY, event.id, Number(headers['webhook-timestamp']), body, String(headers['webhook-signature']))).toBe(true);
    expect(
      verifyWebhook(
        Buffer.from('another-secret-0123456789'),
        event.id,
        Number(headers['webhook-timestamp']),
        body,
        String(headers['webhook-signature']),
      ),
    ).toBe(false);
    expect(event).toMatchObject({
      type: 'esr-access.changed',
      portalUserId: 'signed.user',
      searchEnabled: true,
      previousSearchEnabled: false,
      cause: 'mapping',
      mappings: [{ vpd: '979', state: 'ACTIVE', previousState: null }],
    });
    await expect(send()).resolves.toMatchObject({ sent: 0 });
  });

  it('should be verified by the standardwebhooks library, which refuses a tampered body or another secret', async () => {
    await add('library.user', sandbox.admin.findPersonWithoutRole('979', 50).employeeNumber);
    await expect(send()).resolves.toMatchObject({ delivered: 1 });
    const [delivery] = receiver.received;
    expect(verifyWithLibrary(SECRET, delivery)).toMatchObject({ type: 'esr-access.changed', portalUserId: 'library.user' });
    const tampered = { ...delivery, body: delivery.body.replace('"library.user"', '"other.user"') };
    expect(tampered.body).not.toBe(delivery.body);
    expect(() => verifyWithLibrary(SECRET, tampered)).toThrow(WebhookVerificationError);
    const another = `whsec_${Buffer.from('another-key-of-thirty-two-bytes!').toString('base64')}`;
    expect(() => verifyWithLibrary(another, delivery)).toThrow(WebhookVerificationError);
  });

  it('should deliver the event of a role that becomes effective 24 hours after assignment at that instant', async () => {
    const person = sandbox.admin.findPersonWithoutRole('979', 7);
    const assignedAt = clock.nowMs();
    sandbox.admin.assignRole('979', person.employeeNumber, { createdAt: clock.now() });
    clock.advance(60_000);
    expect(await t.app.get(RunCoordinator).runSync({ mode: 'incremental', vpd: '979' })).toMatchObject({ status: 'succeeded' });
    await monitor();
    await add('hr.user', person.employeeNumber);
    await send();
    expect(eventsOf('hr.user')).toEqual([
      expect.objectContaining({ searchEnabled: false, mappings: [expect.objectContaining({ state: 'PENDING_ACTIVATION' })] }),
    ]);

    const effective = assignedAt + 24 * 3_600_000;
    clock.set(new Date(effective - 1000));
    await monitor();
    await send();
    expect(eventsOf('hr.user')).toHaveLength(1);

    clock.set(new Date(effective));
    await monitor();
    await send();
    const events = eventsOf('hr.user');
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({
      occurredAt: new Date(effective).toISOString(),
      searchEnabled: true,
      previousSearchEnabled: false,
      cause: 'time',
      mappings: [{ vpd: '979', employeeNumber: person.employeeNumber, state: 'ACTIVE', previousState: 'PENDING_ACTIVATION' }],
    });
  });

  it('should retry after 500s with backoff, dead-letter after WEBHOOK_MAX_ATTEMPTS, and re-send on request', async () => {
    receiver.fallbackStatus = 500;
    try {
      await add('retry.user', sandbox.admin.findPersonWithoutRole('979', 8).employeeNumber);
      await expect(send()).resolves.toMatchObject({ sent: 1, retrying: 1 });
      await expect(send()).resolves.toMatchObject({ sent: 0 }); // not due yet
      clock.advance(12_000);
      await expect(send()).resolves.toMatchObject({ sent: 1, retrying: 1 });
      clock.advance(23_000);
      await expect(send()).resolves.toMatchObject({ sent: 1, deadLettered: 1 });
      expect(receiver.received).toHaveLength(3);
      expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);

      const failed = await t.app.inject({ method: 'GET', url: '/v1/webhooks/deliveries?status=failed', headers: ops });
      expect(failed.statusCode).toBe(200);
      const [dead] = failed.json().items;
      expect(dead).toMatchObject({ portalUserId: 'retry.user', status: 'failed', attempts: 3, lastStatus: 500, lastError: 'HTTP 500' });
      await expect(t.app.get(WebhookOutboxService).backlog()).resolves.toMatchObject({ failed: 1 });
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/esr_gateway_webhook_attempts_total\{outcome="dead_lettered"\} 1/);
      expect(metrics.body).toMatch(/esr_gateway_webhook_backlog\{measure="failed"\} 1/);

      expect((await t.app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${dead.id}/retry`, headers: portal })).statusCode).toBe(
        403,
      );
      receiver.fallbackStatus = 204;
      const retried = await t.app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${dead.id}/retry`, headers: ops });
      expect(retried.json()).toMatchObject({ status: 'pending', attempts: 0 });
      await expect(send()).resolves.toMatchObject({ delivered: 1 });
      const again = await t.app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${dead.id}/retry`, headers: ops });
      expect(again.statusCode).toBe(409);
    } finally {
      receiver.fallbackStatus = 204;
    }
  });

  it('should supersede, not send, a retried dead letter after a newer event of the same user was delivered', async () => {
    const person = sandbox.admin.findPersonWithoutRole('979', 9).employeeNumber;
    receiver.fallbackStatus = 500;
    try {
      await add('stale.user', person); // sequence 1
      for (const wait of [12_000, 23_000, 0]) {
        await send();
        clock.advance(wait);
      }
      await expect(db.getRepository(WebhookDelivery).findOneBy({ portalUserId: 'stale.user' })).resolves.toMatchObject({
        status: 'failed',
      });
    } finally {
      receiver.fallbackStatus = 204;
    }
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/users/stale.user/esr-mappings/979/${person}`, headers: portal });
    expect(removed.statusCode).toBe(204); // sequence 2
    await expect(send()).resolves.toMatchObject({ delivered: 1 });
    const [dead, newer] = eventsOf('stale.user').filter((e, i, all) => all.findIndex((o) => o.id === e.id) === i);
    expect([dead.sequence, newer.sequence]).toEqual([1, 2]);
    expect(receiver.received.at(-1)?.headers['webhook-id']).toBe(newer.id);

    const retried = await t.app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${String(dead.id)}/retry`, headers: ops });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ id: dead.id, status: 'superseded', event: { sequence: 1 } });
    const before = receiver.received.length;
    await expect(send()).resolves.toMatchObject({ sent: 0 });
    expect(receiver.received).toHaveLength(before); // never sent again
    const listed = await t.app.inject({ method: 'GET', url: '/v1/webhooks/deliveries?status=superseded', headers: ops });
    expect(listed.json().items).toEqual([expect.objectContaining({ id: dead.id, portalUserId: 'stale.user', status: 'superseded' })]);
  });

  it('should deliver each event exactly once, in order per user, with two instances sending at once', async () => {
    // A second replica on the same database and Redis prefix.
    const database = t.app.get(DatabaseSettings).connection as { url: string };
    const second = await startTestApp({ ...env, DATABASE_URL: database.url, REDIS_KEY_PREFIX: t.app.get(RedisSettings).keyPrefix }, clock);
    try {
      const users = Array.from({ length: 12 }, (_, i) => `pair.${i}`);
      const numbers = users.map((_, i) => sandbox.admin.findPersonWithoutRole('979', 20 + i).employeeNumber);
      for (const [i, user] of users.entries()) await add(user, numbers[i]);
      // A second change per user (the mapping removed), so order per user matters.
      for (const [i, user] of users.entries()) {
        const res = await t.app.inject({ method: 'DELETE', url: `/v1/users/${user}/esr-mappings/979/${numbers[i]}`, headers: portal });
        expect(res.statusCode).toBe(204);
      }
      const senders = [t.app.get(WebhookSender), second.app.get(WebhookSender)];
      await Promise.all([...senders, ...senders].map((s) => s.sendDue()));
      await Promise.all(senders.map((s) => s.sendDue()));
      const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
      expect(ids).toHaveLength(24);
      expect(new Set(ids).size).toBe(24);
      for (const user of users) {
        expect(eventsOf(user).map((e) => (e.mappings as Array<{ state: string | null }>)[0].state)).toEqual(['NO_ROLE', null]);
        expect(eventsOf(user).map((e) => e.sequence)).toEqual([1, 2]);
      }
      await expect(db.getRepository(WebhookDelivery).count({ where: { status: 'pending' } })).resolves.toBe(0);
    } finally {
      await second.app.close();
      await second.cleanup();
    }
  }, 60_000);
});

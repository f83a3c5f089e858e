/**
 * The package's own tests (node:test, no gateway): typed errors from error answers, Retry-After
 * retries, ETags and webhook verification. Run: node --test test/ (the root's jest runs them too).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createGatewayClient, GatewayError, parseRetryAfter, verifyWebhook, WebhookVerificationError, withRetry } from '../src/index.ts';

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

/** A fetch answering with the queued replies in order, recording each request. */
function fakeFetch(replies: Reply[]) {
  const requests: Request[] = [];
  const fetch = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    requests.push(input instanceof Request ? input : new Request(input, init));
    const reply = replies.shift() ?? { status: 500, body: { error: 'INTERNAL', message: 'no reply queued', requestId: 'r0' } };
    const body = reply.body === undefined ? null : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    return new Response(body, { status: reply.status, headers: { 'content-type': 'application/json', ...reply.headers } });
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

const limited: Reply = {
  status: 429,
  body: { error: 'RATE_LIMITED', message: 'Too many searches', requestId: 'req-1' },
  headers: { 'retry-after': '2', 'x-request-id': 'req-1' },
};
const matches: Reply = { status: 200, body: { matches: [] } };
const criteria = { vpd: '979', employeeNumber: '12345678' };

describe('createGatewayClient', () => {
  it('should send the key as a bearer token and X-Acting-User, and throw a GatewayError with the body and headers', async () => {
    const { fetch, requests } = fakeFetch([
      { status: 409, body: { error: 'ESR_RECORD_MAPPED_TO_OTHER_USER', message: 'Mapped to another account', requestId: 'req-9' } },
    ]);
    const gateway = createGatewayClient({ baseUrl: 'http://gateway.test/', apiKey: 'key-1', fetch });
    const failure = await gateway
      .createEsrMapping({ actingUser: 'lsa@nhs.net', portalUserId: 'a.user', vpd: '979', employeeNumber: '12345678' })
      .then(
        () => assert.fail('should have thrown'),
        (error: unknown) => error,
      );
    assert.ok(failure instanceof GatewayError);
    assert.deepEqual(
      {
        status: failure.status,
        code: failure.code,
        requestId: failure.requestId,
        idempotent: failure.idempotent,
        retryable: failure.retryable,
      },
      { status: 409, code: 'ESR_RECORD_MAPPED_TO_OTHER_USER', requestId: 'req-9', idempotent: false, retryable: false },
    );
    assert.equal(requests[0]?.url, 'http://gateway.test/v1/users/a.user/esr-mappings');
    assert.equal(requests[0]?.headers.get('authorization'), 'Bearer key-1');
    assert.equal(requests[0]?.headers.get('x-acting-user'), 'lsa@nhs.net');
  });

  it('should send If-None-Match and report 304 as notModified', async () => {
    const { fetch, requests } = fakeFetch([{ status: 304, headers: { etag: 'W/"abc"' } }]);
    const gateway = createGatewayClient({ baseUrl: 'http://gateway.test', apiKey: 'k', fetch });
    assert.deepEqual(await gateway.getEsrAccess({ portalUserId: 'a.user', etag: 'W/"abc"' }), { notModified: true, etag: 'W/"abc"' });
    assert.equal(requests[0]?.headers.get('if-none-match'), 'W/"abc"');
  });
});

describe('withRetry', () => {
  it('should wait Retry-After on 429 and try again', async () => {
    const { fetch } = fakeFetch([limited, matches]);
    const gateway = createGatewayClient({ baseUrl: 'http://gateway.test', apiKey: 'k', fetch });
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    assert.deepEqual(await withRetry(() => gateway.searchCredentials({ actingUser: 'hr', criteria }), { sleep }), { matches: [] });
    assert.deepEqual(waits, [2000]);
  });

  it('should stop after the bounded number of attempts and throw the last error', async () => {
    const { fetch, requests } = fakeFetch([limited, limited, limited, matches]);
    const gateway = createGatewayClient({ baseUrl: 'http://gateway.test', apiKey: 'k', fetch });
    const sleep = async () => undefined;
    await assert.rejects(
      withRetry(() => gateway.searchCredentials({ actingUser: 'hr', criteria }), { attempts: 3, sleep }),
      { code: 'RATE_LIMITED' },
    );
    assert.equal(requests.length, 3);
  });

  it('should not repeat a call that is not idempotent unless told, nor wait longer than maxDelaySeconds', async () => {
    const unavailable: Reply = {
      status: 503,
      body: { error: 'ESR_UNAVAILABLE', message: 'ESR is down', requestId: 'r' },
      headers: { 'retry-after': '5' },
    };
    const { fetch, requests } = fakeFetch([unavailable, unavailable, { status: 200, body: { created: 0, skipped: 0, errors: [] } }]);
    const gateway = createGatewayClient({ baseUrl: 'http://gateway.test', apiKey: 'k', fetch });
    const sleep = async () => undefined;
    const importAll = () => gateway.importEsrMappings({ actingUser: 'lsa', items: [] });
    await assert.rejects(withRetry(importAll, { sleep }), { code: 'ESR_UNAVAILABLE' });
    await assert.rejects(withRetry(importAll, { sleep, retryNonIdempotent: true, maxDelaySeconds: 1 }), { code: 'ESR_UNAVAILABLE' });
    assert.deepEqual(await withRetry(importAll, { sleep, retryNonIdempotent: true }), { created: 0, skipped: 0, errors: [] });
    assert.equal(requests.length, 3);
  });

  it('should read Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('7'), 7);
    assert.equal(parseRetryAfter('Mon, 07 Dec 2026 10:00:30 GMT', Date.parse('2026-12-07T10:00:00Z')), 30);
    assert.equal(parseRetryAfter(null), undefined);
  });
});

describe('verifyWebhook', () => {
  const secret = `whsec_${Buffer.from('a-webhook-key-of-thirty-two-b!!!').toString('base64')}`;
  const event = { id: 'evt_1', type: 'esr-access.changed', occurredAt: new Date().toISOString(), sequence: 1, portalUserId: 'a.user' };
  const body = JSON.stringify(event);
  const signed = (payload: string) => {
    const timestamp = new Date();
    const signature = new Webhook(secret).sign(event.id, timestamp, payload);
    return { 'webhook-id': event.id, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': signature };
  };

  it('should return the event of a delivery signed with the whsec_ secret (node:http or fetch headers)', () => {
    assert.deepEqual(verifyWebhook(body, signed(body), secret), event);
    assert.deepEqual(verifyWebhook(Buffer.from(body), new Headers(signed(body)), secret), event);
  });

  it('should throw WebhookVerificationError for a tampered body, another secret, a missing header or another event type', () => {
    const headers = signed(body);
    assert.throws(() => verifyWebhook(body.replace('a.user', 'b.user'), headers, secret), WebhookVerificationError);
    assert.throws(
      () => verifyWebhook(body, headers, `whsec_${Buffer.from('another-key-another-key-another!').toString('base64')}`),
      WebhookVerificationError,
    );
    assert.throws(() => verifyWebhook(body, { ...headers, 'webhook-signature': undefined }, secret), WebhookVerificationError);
    const other = JSON.stringify({ ...event, type: 'something.else' });
    assert.throws(() => verifyWebhook(other, signed(other), secret), WebhookVerificationError);
  });
});

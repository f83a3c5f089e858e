import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { parseWebhookSecret } from '../config/webhook-secret';
import { retryDelayMs, RETRY_BASE_MS, RETRY_MAX_MS } from './webhook-outbox.service';
import { signWebhook, verifyWebhook, webhookHeaders } from './webhook-signature';

const RAW = Buffer.from('secret-0123456789');

describe(signWebhook.name, () => {
  it('should sign "<id>.<timestamp>.<body>" with HMAC-SHA256, base64, prefixed v1', () => {
    const expected = createHmac('sha256', 'secret-0123456789').update('evt-1.1764065520.{"a":1}').digest('base64');
    expect(signWebhook(RAW, 'evt-1', 1764065520, '{"a":1}')).toBe(`v1,${expected}`);
  });

  it('should verify its own signature and refuse a changed body, id, timestamp or secret', () => {
    const headers = webhookHeaders(RAW, 'evt-1', 100, 'body');
    const signature = headers['webhook-signature'];
    expect(verifyWebhook(RAW, 'evt-1', 100, 'body', signature)).toBe(true);
    expect(verifyWebhook(RAW, 'evt-1', 100, 'body!', signature)).toBe(false);
    expect(verifyWebhook(RAW, 'evt-2', 100, 'body', signature)).toBe(false);
    expect(verifyWebhook(RAW, 'evt-1', 101, 'body', signature)).toBe(false);
    expect(verifyWebhook(Buffer.from('other-secret-012345'), 'evt-1', 100, 'body', signature)).toBe(false);
    expect(headers).toMatchObject({ 'webhook-id': 'evt-1', 'webhook-timestamp': '100' });
  });

  it("should match the Standard Webhooks signing vector of the standardwebhooks library's own tests", () => {
    // libraries/javascript/src/webhook.test.ts, "sign function works", in the standard-webhooks repository.
    const { bytes } = parseWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signWebhook(bytes, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('should be verified by the standardwebhooks library with a whsec_ secret, and refused when tampered or keyed otherwise', () => {
    const secret = `whsec_${Buffer.from('a-standard-webhooks-key-of-32-by').toString('base64')}`;
    const now = Math.floor(Date.now() / 1000);
    const body = '{"type":"esr-access.changed"}';
    const headers = webhookHeaders(parseWebhookSecret(secret).bytes, 'evt-1', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'esr-access.changed' });
    expect(() => new Webhook(secret).verify('{"type":"other"}', headers)).toThrow(WebhookVerificationError);
    const other = `whsec_${Buffer.from('another-key-of-thirty-two-bytes!').toString('base64')}`;
    expect(() => new Webhook(other).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it("should keep the previous release's signature for a raw secret (the library verifies it only in its raw format)", () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders(parseWebhookSecret('secret-0123456789').bytes, 'evt-1', now, '{}');
    expect(headers['webhook-signature']).toBe(`v1,${createHmac('sha256', 'secret-0123456789').update(`evt-1.${now}.{}`).digest('base64')}`);
    expect(new Webhook('secret-0123456789', { format: 'raw' }).verify('{}', headers)).toEqual({});
  });
});

describe(retryDelayMs.name, () => {
  it('should double from the base delay up to the cap, with at most 10% jitter', () => {
    expect(retryDelayMs(1, () => 0)).toBe(RETRY_BASE_MS);
    expect(retryDelayMs(2, () => 0)).toBe(2 * RETRY_BASE_MS);
    expect(retryDelayMs(3, () => 1)).toBe(Math.round(4 * RETRY_BASE_MS * 1.1));
    expect(retryDelayMs(30, () => 0)).toBe(RETRY_MAX_MS);
  });
});

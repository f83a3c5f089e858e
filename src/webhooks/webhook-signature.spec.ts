import { createHmac } from 'node:crypto';
import { retryDelayMs, RETRY_BASE_MS, RETRY_MAX_MS } from './webhook-outbox.service';
import { signWebhook, verifyWebhook, webhookHeaders } from './webhook-signature';

describe(signWebhook.name, () => {
  it('should sign "<id>.<timestamp>.<body>" with HMAC-SHA256, base64, prefixed v1', () => {
    const expected = createHmac('sha256', 'secret-0123456789').update('evt-1.1764065520.{"a":1}').digest('base64');
    expect(signWebhook('secret-0123456789', 'evt-1', 1764065520, '{"a":1}')).toBe(`v1,${expected}`);
  });

  it('should verify its own signature and refuse a changed body, id, timestamp or secret', () => {
    const headers = webhookHeaders('secret-0123456789', 'evt-1', 100, 'body');
    const signature = headers['webhook-signature'];
    expect(verifyWebhook('secret-0123456789', 'evt-1', 100, 'body', signature)).toBe(true);
    expect(verifyWebhook('secret-0123456789', 'evt-1', 100, 'body!', signature)).toBe(false);
    expect(verifyWebhook('secret-0123456789', 'evt-2', 100, 'body', signature)).toBe(false);
    expect(verifyWebhook('secret-0123456789', 'evt-1', 101, 'body', signature)).toBe(false);
    expect(verifyWebhook('other-secret-012345', 'evt-1', 100, 'body', signature)).toBe(false);
    expect(headers).toMatchObject({ 'webhook-id': 'evt-1', 'webhook-timestamp': '100' });
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

import { randomBytes } from 'node:crypto';
import { validateEnvironment } from './env.schema';
import { settingsFrom } from './settings/settings';
import { describeWebhookSecretForm, parseWebhookSecret, webhookSecretProblems } from './webhook-secret';
import { problemsOf } from '../../test/support/config-problems';

const whsec = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;
const DEPLOYED = {
  DATABASE_URL: 'postgres://u@db:5432/gw',
  ESR_BASE_URL: 'https://esr.example.nhs.uk/api',
  API_KEYS: 'portal1:portal-secret-0001:portal',
  ESR_CLIENT_SECRET: 'esr-client-secret-0001',
  AUDIT_HMAC_SECRET: '0123456789abcdef0123',
  WEBHOOK_URL: 'https://portal.example/hook',
};

describe(parseWebhookSecret.name, () => {
  it('should key a whsec_ secret with its decoded bytes', () => {
    const key = randomBytes(32);
    expect(parseWebhookSecret(`whsec_${key.toString('base64')}`)).toEqual({ form: 'standard', bytes: key });
  });

  it('should key a raw secret (deprecated) with its UTF-8 bytes, as the previous release did', () => {
    expect(parseWebhookSecret('webhook-secret-0123')).toEqual({ form: 'raw', bytes: Buffer.from('webhook-secret-0123', 'utf8') });
  });
});

describe(webhookSecretProblems.name, () => {
  it.each([24, 32, 64])('should accept whsec_ + base64 of %i bytes', (bytes) => {
    expect(webhookSecretProblems(whsec(bytes), false)).toEqual([]);
  });

  it.each([
    ['a key shorter than 24 bytes', whsec(23), '23 bytes'],
    ['a key longer than 64 bytes', whsec(65), '65 bytes'],
    ['URL-safe base64', `whsec_${'-_'.repeat(16)}`, 'standard base64'],
    ['base64 without its padding', whsec(25).replace(/=+$/, ''), 'standard base64'],
    ['text that is not base64', 'whsec_not base64 at all, but long', 'standard base64'],
  ])('should refuse %s, saying what the standard needs and how to make one', (_case, secret, says) => {
    const [problem, ...more] = webhookSecretProblems(secret, true);
    expect(more).toEqual([]);
    expect(problem).toMatch(/^WEBHOOK_SECRET: /);
    expect(problem).toContain(says);
    expect(problem).toContain('24 to 64 bytes (192 to 512 bits)');
    expect(problem).toContain('echo "whsec_$(openssl rand -base64 32)"');
    expect(problem).not.toContain(secret.slice(6));
  });

  it('should refuse a raw secret shorter than 16 characters outside local mode only', () => {
    expect(webhookSecretProblems('short-secret', false)).toEqual([expect.stringMatching(/^WEBHOOK_SECRET: .*at least 16 characters/)]);
    expect(webhookSecretProblems('short-secret', true)).toEqual([]);
    expect(webhookSecretProblems('webhook-secret-0123', false)).toEqual([]);
  });
});

describe('WEBHOOK_SECRET at boot', () => {
  it('should parse a whsec_ secret once into the webhook settings', () => {
    const key = randomBytes(32);
    const target = settingsFrom(validateEnvironment({ ...DEPLOYED, WEBHOOK_SECRET: `whsec_${key.toString('base64')}` })).webhooks.target;
    expect(target?.key).toEqual({ form: 'standard', bytes: key });
  });

  it('should stop the start on a bad whsec_ secret, or a short raw one outside local mode', () => {
    expect(problemsOf({ ...DEPLOYED, WEBHOOK_SECRET: whsec(16) })).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET: is whsec_ \+ base64 of 16 bytes/),
    ]);
    expect(problemsOf({ ...DEPLOYED, WEBHOOK_SECRET: 'short-secret' })).toEqual([expect.stringMatching(/^WEBHOOK_SECRET: a raw secret/)]);
    expect(problemsOf({ WEBHOOK_URL: 'http://127.0.0.1:9/hook', WEBHOOK_SECRET: 'short-secret' })).toEqual([]);
  });
});

describe(describeWebhookSecretForm.name, () => {
  it('should say which form signs, and that the raw form is deprecated with how to replace it', () => {
    expect(describeWebhookSecretForm('standard')).toMatch(/Standard Webhooks secret \(whsec_\)/);
    expect(describeWebhookSecretForm('raw')).toMatch(/raw secret \(deprecated.*whsec_\$\(openssl rand -base64 32\)/);
  });
});

/**
 * WEBHOOK_SECRET, the key access-change events are signed with (gateway-api.md, "Access-change events").
 *
 * - `standard`: `whsec_` + standard base64 (padded) of a random key of 24 to 64 bytes, as Standard
 *   Webhooks defines a symmetric secret ("at least 24 bytes (192 bits, 512 maximum)"); the HMAC is keyed
 *   with the decoded bytes, so the standard libraries (npm `standardwebhooks`, Python, Go, ...) verify it.
 * - `raw` (deprecated, accepted for one release): any other text, keyed with its UTF-8 bytes as the
 *   previous release did, so receivers of that release keep verifying until they switch.
 */
export const WHSEC_PREFIX = 'whsec_';
export const STANDARD_KEY_MIN_BYTES = 24;
export const STANDARD_KEY_MAX_BYTES = 64;
/** The contract's 16+ characters for a raw secret, enforced outside local mode. */
export const RAW_SECRET_MIN_LENGTH = 16;
/** How to make a new secret, as the docs and error messages say it. */
export const NEW_SECRET_COMMAND = 'echo "whsec_$(openssl rand -base64 32)"';

export type WebhookSecretForm = 'standard' | 'raw';

/** The parsed secret: which form it was given in and the bytes the HMAC is keyed with. */
export interface WebhookSigningKey {
  readonly form: WebhookSecretForm;
  readonly bytes: Buffer;
}

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The decoded key of a `whsec_` secret, or a sentence saying what is wrong (never the secret). */
function decodeStandardKey(encoded: string): Buffer | string {
  const bytes = Buffer.from(encoded, 'base64');
  // Canonical only: what every library's decoder reads the same way (no URL-safe alphabet, padding kept).
  if (!STANDARD_BASE64.test(encoded) || bytes.toString('base64') !== encoded) return 'is whsec_ but not followed by standard base64';
  if (bytes.length < STANDARD_KEY_MIN_BYTES || bytes.length > STANDARD_KEY_MAX_BYTES) return `is whsec_ + base64 of ${bytes.length} bytes`;
  return bytes;
}

/**
 * Parses WEBHOOK_SECRET once (validateEnvironment has checked it with webhookSecretProblems).
 * Throws an Error saying what is wrong, never echoing the secret.
 */
export function parseWebhookSecret(secret: string): WebhookSigningKey {
  if (!secret.startsWith(WHSEC_PREFIX)) return { form: 'raw', bytes: Buffer.from(secret, 'utf8') };
  const key = decodeStandardKey(secret.slice(WHSEC_PREFIX.length));
  if (typeof key === 'string') throw new Error(`WEBHOOK_SECRET ${key}`);
  return { form: 'standard', bytes: key };
}

/** The problems of a set WEBHOOK_SECRET, each naming the variable and how to make a valid one. */
export function webhookSecretProblems(secret: string | undefined, localMode: boolean): string[] {
  if (!secret) return [];
  if (secret.startsWith(WHSEC_PREFIX)) {
    const key = decodeStandardKey(secret.slice(WHSEC_PREFIX.length));
    if (typeof key !== 'string') return [];
    return [
      `WEBHOOK_SECRET: ${key}; Standard Webhooks needs whsec_ + standard base64 of a random key of ` +
        `${STANDARD_KEY_MIN_BYTES} to ${STANDARD_KEY_MAX_BYTES} bytes (192 to 512 bits); make one with ${NEW_SECRET_COMMAND}`,
    ];
  }
  if (!localMode && secret.length < RAW_SECRET_MIN_LENGTH)
    return [
      `WEBHOOK_SECRET: a raw secret (deprecated) must be at least ${RAW_SECRET_MIN_LENGTH} characters outside local mode; ` +
        `better, use a Standard Webhooks secret: ${NEW_SECRET_COMMAND}`,
    ];
  return [];
}

/** The start-up sentence saying which form signs the events (never the secret itself). */
export function describeWebhookSecretForm(form: WebhookSecretForm): string {
  return form === 'standard'
    ? 'WEBHOOK_SECRET is a Standard Webhooks secret (whsec_): events are signed with its decoded key'
    : 'WEBHOOK_SECRET is a raw secret (deprecated, accepted for this release only): events are signed with its UTF-8 bytes, ' +
        `which the Standard Webhooks libraries do not verify; switch to ${NEW_SECRET_COMMAND} (docs/deployment.md)`;
}

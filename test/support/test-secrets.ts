/**
 * API keys and the audit key of the tests. Outside local mode (DATABASE_URL or ESR_BASE_URL set) the
 * gateway refuses to start without them, so every test configuration that leaves local mode adds
 * TEST_SECRETS_ENV.
 */
export const PORTAL_KEY = 'portal-test-key-0001';
export const OPS_KEY = 'ops-test-key-00002';
export const BOTH_KEY = 'both-test-key-0003';
export const TEST_API_KEYS = `portal1:${PORTAL_KEY}:portal,ops1:${OPS_KEY}:ops,both1:${BOTH_KEY}:portal+ops`;
export const TEST_AUDIT_HMAC_SECRET = 'test-audit-hmac-secret-0123456789';

/**
 * The tests' ESR (the sandbox) and webhook receivers listen on plain http://127.0.0.1, and the sandbox
 * takes its default client secret: ALLOW_INSECURE_HTTP=true lets both through outside local mode.
 */
export const TEST_SECRETS_ENV = { API_KEYS: TEST_API_KEYS, AUDIT_HMAC_SECRET: TEST_AUDIT_HMAC_SECRET, ALLOW_INSECURE_HTTP: 'true' };

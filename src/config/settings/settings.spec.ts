import { generateKeyPairSync } from 'node:crypto';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { EnvironmentVariables, validateEnvironment } from '../env.schema';
import { Settings, settingsFrom } from './settings';

/** A deployed environment (not local mode), so every variable below can be set on its own. */
const DEPLOYED = {
  DATABASE_URL: 'postgres://u@db:5432/gw',
  ESR_BASE_URL: 'https://esr.example.nhs.uk/api',
  API_KEYS: 'portal1:portal-secret-0001:portal',
  ESR_CLIENT_SECRET: 'esr-client-secret-0001',
  AUDIT_HMAC_SECRET: '0123456789abcdef0123',
};

const EC_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const JWT_AUTH = { ESR_CLIENT_AUTH: 'private_key_jwt', ESR_CLIENT_PRIVATE_KEY: EC_PEM, ESR_CLIENT_KEY_ID: 'gw-2026' };
/** A readable file standing in for a PEM file (the settings read it once, as text). */
const PEM_FILE = __filename;
const PEM = readFileSync(PEM_FILE, 'utf8');

type Row = [variable: string, env: Record<string, string>, read: (s: Settings) => unknown, expected: unknown];

// Each variable set to a value other than its default, and the settings field it must land in.
// prettier-ignore
const TABLE: Row[] = [
  ['NODE_ENV', { NODE_ENV: 'production' }, (s) => s.statusPage.secureCookie, true],
  ['PORT', { PORT: '8081' }, (s) => s.http.port, 8081],
  ['HOST', { HOST: '10.1.2.3' }, (s) => s.http.host, '10.1.2.3'],
  ['HTTP_REQUEST_TIMEOUT', { HTTP_REQUEST_TIMEOUT: 'PT7S' }, (s) => s.http.requestTimeoutMs, 7_000],
  ['HTTP_CONNECTION_TIMEOUT', { HTTP_CONNECTION_TIMEOUT: 'PT8S' }, (s) => s.http.connectionTimeoutMs, 8_000],
  ['DOCS_ENABLED', { DOCS_ENABLED: 'false' }, (s) => s.http.docsEnabled, false],
  ['SHUTDOWN_GRACE_PERIOD', { SHUTDOWN_GRACE_PERIOD: 'PT9S' }, (s) => s.http.shutdownGraceMs, 9_000],
  ['LOG_LEVEL', { LOG_LEVEL: 'debug' }, (s) => s.logging.level, 'debug'],
  ['REQUEST_LOG', { REQUEST_LOG: '0.1' }, (s) => s.logging.requestLogShare, 0.1],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, (s) => s.tracing.describe(), 'tracing to http://collector:4318 (http/protobuf, parentbased_always_on)'],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, (s) => s.tracing.protocol, 'http/json'],
  ['OTEL_TRACES_SAMPLER', { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' }, (s) => s.tracing.sampler, 'parentbased_traceidratio'],
  ['OTEL_TRACES_SAMPLER_ARG', { OTEL_TRACES_SAMPLER_ARG: '0.1' }, (s) => s.tracing.samplerArg, 0.1],
  ['DATABASE_URL', { DATABASE_URL: 'postgres://u@other:5432/gw' }, (s) => s.database.connection, { kind: 'postgres', url: 'postgres://u@other:5432/gw', poolSize: 10 }],
  ['DATABASE_POOL_SIZE', { DATABASE_POOL_SIZE: '3' }, (s) => s.database.connection, { kind: 'postgres', url: DEPLOYED.DATABASE_URL, poolSize: 3 }],
  ['SQLITE_PATH', { DATABASE_URL: '', SQLITE_PATH: '/tmp/gw.sqlite' }, (s) => s.database.connection, { kind: 'sqlite', path: '/tmp/gw.sqlite' }],
  ['DATABASE_MIGRATIONS_RUN', { DATABASE_MIGRATIONS_RUN: 'false' }, (s) => s.database.runMigrations, false],
  ['REDIS_URL', { REDIS_URL: 'redis://cache:6379' }, (s) => s.redis.url, 'redis://cache:6379'],
  ['REDIS_KEY_PREFIX', { REDIS_KEY_PREFIX: 'gw2:' }, (s) => s.redis.keyPrefix, 'gw2:'],
  ['REDIS_SENTINELS', { REDIS_SENTINELS: 's1:26379, s2:26379', REDIS_SENTINEL_NAME: 'gw' }, (s) => s.redis.topology, { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'gw' }],
  ['REDIS_SENTINEL_NAME', { REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'gw-primary' }, (s) => s.redis.topology, { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }], name: 'gw-primary' }],
  ['REDIS_CLUSTER_NODES', { REDIS_CLUSTER_NODES: 'n1:6379,[::1]:6380' }, (s) => s.redis.topology, { kind: 'cluster', nodes: [{ host: 'n1', port: 6379 }, { host: '::1', port: 6380 }] }],
  ['REDIS_USERNAME', { REDIS_URL: 'redis://cache:6379', REDIS_USERNAME: 'gateway' }, (s) => s.redis.username, 'gateway'],
  ['REDIS_PASSWORD', { REDIS_URL: 'redis://cache:6379', REDIS_PASSWORD: 'data-pw' }, (s) => s.redis.password, 'data-pw'],
  ['REDIS_SENTINEL_PASSWORD', { REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'gw', REDIS_SENTINEL_PASSWORD: 'sentinel-pw' }, (s) => s.redis.sentinelPassword, 'sentinel-pw'],
  ['REDIS_TLS_CA_FILE', { REDIS_URL: 'rediss://cache:6380', REDIS_TLS_CA_FILE: PEM_FILE }, (s) => s.redis.tls?.ca, PEM],
  ['REDIS_TLS_CERT_FILE', { REDIS_CLUSTER_NODES: 'n1:6379', REDIS_TLS_CERT_FILE: PEM_FILE, REDIS_TLS_KEY_FILE: PEM_FILE }, (s) => s.redis.tls?.cert, PEM],
  ['REDIS_TLS_KEY_FILE', { REDIS_CLUSTER_NODES: 'n1:6379', REDIS_TLS_CERT_FILE: PEM_FILE, REDIS_TLS_KEY_FILE: PEM_FILE }, (s) => s.redis.tls?.key, PEM],
  ['REDIS_TLS_SERVERNAME', { REDIS_URL: 'rediss://10.0.0.5:6380', REDIS_TLS_SERVERNAME: 'cache.trust.nhs.uk' }, (s) => s.redis.tls, { servername: 'cache.trust.nhs.uk' }],
  ['REDIS_LEASE_REPLICAS', { REDIS_URL: 'redis://cache:6379', REDIS_LEASE_REPLICAS: '2' }, (s) => s.redis.leaseReplicas, 2],
  ['API_KEYS', { API_KEYS: 'ops1:ops-secret-000001:ops' }, (s) => s.apiKeys.keys, [{ id: 'ops1', secret: 'ops-secret-000001', scopes: ['ops'] }]],
  ['ESR_BASE_URL', { ESR_BASE_URL: 'https://esr2.example.nhs.uk' }, (s) => s.esr.baseUrl, 'https://esr2.example.nhs.uk'],
  ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/8' }, (s) => s.http.trustProxy, ['10.0.0.0/8']],
  ['ALLOW_INSECURE_HTTP', { ALLOW_INSECURE_HTTP: 'true', WEBHOOK_URL: 'http://portal.internal/hooks', WEBHOOK_SECRET: `whsec_${Buffer.from('webhook-signing-key-0123456789ab').toString('base64')}` }, (s) => s.http.insecureWarnings, ['ALLOW_INSECURE_HTTP=true: WEBHOOK_URL use plain http:// outside local mode']],
  ['AUTH_FAILURES_PER_MINUTE', { AUTH_FAILURES_PER_MINUTE: '5' }, (s) => s.http.authFailuresPerMinute, 5],
  ['STATUS_PAGE_IDLE_TIMEOUT', { STATUS_PAGE_IDLE_TIMEOUT: 'PT5M' }, (s) => s.statusPage.idleTimeoutMs, 300_000],
  ['ESR_CLIENT_ID', { ESR_CLIENT_ID: 'gw-client' }, (s) => s.esr.clientId, 'gw-client'],
  ['ESR_CLIENT_SECRET', { ESR_CLIENT_SECRET: 'gw-secret-0123456789' }, (s) => s.esr.clientSecret, 'gw-secret-0123456789'],
  ['ESR_TOKEN_URL', { ESR_TOKEN_URL: 'https://idp.example.nhs.uk/token' }, (s) => s.esr.tokenUrl, 'https://idp.example.nhs.uk/token'],
  ['ESR_CLIENT_AUTH', { ESR_CLIENT_AUTH: 'client_secret_basic' }, (s) => s.esr.clientAuth, { method: 'client_secret_basic', clientSecret: 'esr-client-secret-0001' }],
  ['ESR_CLIENT_PRIVATE_KEY', JWT_AUTH, (s) => s.esr.clientAuth.method === 'private_key_jwt' && s.esr.clientAuth.key.asymmetricKeyType, 'ec'],
  ['ESR_CLIENT_KEY_ID', JWT_AUTH, (s) => s.esr.clientAuth.method === 'private_key_jwt' && s.esr.clientAuth.keyId, 'gw-2026'],
  ['ESR_CLIENT_ASSERTION_ALG', { ...JWT_AUTH, ESR_CLIENT_ASSERTION_ALG: 'ES256' }, (s) => s.esr.clientAuth.method === 'private_key_jwt' && s.esr.clientAuth.alg, 'ES256'],
  ['HTTPS_PROXY', { HTTPS_PROXY: 'http://proxy.internal:3128' }, (s) => s.outboundHttp.httpsProxy, 'http://proxy.internal:3128'],
  ['HTTP_PROXY', { HTTP_PROXY: 'http://proxy.internal:3129' }, (s) => s.outboundHttp.httpProxy, 'http://proxy.internal:3129'],
  ['NO_PROXY', { NO_PROXY: 'localhost,.svc.cluster.local' }, (s) => s.outboundHttp.noProxy, 'localhost,.svc.cluster.local'],
  ['ESR_SCOPE', { ESR_SCOPE: 'esr.all' }, (s) => s.esr.scope, 'esr.all'],
  ['ESR_VPDS', { ESR_VPDS: '979,123' }, (s) => s.esr.vpds, ['979', '123']],
  ['ESR_ROLE_NAME', { ESR_ROLE_NAME: 'Passport Admin' }, (s) => s.esr.roleName, 'Passport Admin'],
  ['ESR_PAGE_SIZE', { ESR_PAGE_SIZE: '250' }, (s) => s.esr.pageSize, 250],
  ['ESR_CONNECT_TIMEOUT', { ESR_CONNECT_TIMEOUT: 'PT2S' }, (s) => s.esr.connectTimeoutMs, 2_000],
  ['ESR_REQUEST_TIMEOUT', { ESR_REQUEST_TIMEOUT: 'PT20S' }, (s) => s.esr.requestTimeoutMs, 20_000],
  ['ESR_MAX_ATTEMPTS', { ESR_MAX_ATTEMPTS: '6' }, (s) => s.esr.maxAttempts, 6],
  ['ESR_RETRY_BASE_DELAY', { ESR_RETRY_BASE_DELAY: 'PT0.5S' }, (s) => s.esr.retryBaseDelayMs, 500],
  ['ESR_RETRY_MAX_DELAY', { ESR_RETRY_MAX_DELAY: 'PT4S' }, (s) => s.esr.retryMaxDelayMs, 4_000],
  ['ESR_RETRY_AFTER_CAP', { ESR_RETRY_AFTER_CAP: 'PT45S' }, (s) => s.esr.retryAfterCapMs, 45_000],
  ['ESR_BREAKER_THRESHOLD', { ESR_BREAKER_THRESHOLD: '9' }, (s) => s.esr.breakerThreshold, 9],
  ['ESR_BREAKER_HALF_OPEN_AFTER', { ESR_BREAKER_HALF_OPEN_AFTER: 'PT1M' }, (s) => s.esr.breakerHalfOpenAfterMs, 60_000],
  ['ESR_RATE_LIMIT_PER_SECOND', { ESR_RATE_LIMIT_PER_SECOND: '11' }, (s) => s.esr.rateLimitPerSecond, 11],
  ['ESR_RATE_LIMIT_REPLICAS', { ESR_RATE_LIMIT_REPLICAS: '4' }, (s) => s.esr.rateLimitReplicas, 4],
  ['ESR_MAX_CONCURRENCY', { ESR_MAX_CONCURRENCY: '12' }, (s) => s.esr.maxConcurrency, 12],
  ['ESR_INTERACTIVE_RESERVE', { ESR_INTERACTIVE_RESERVE: '35' }, (s) => s.esr.interactiveReservePercent, 35],
  ['ESR_INTERACTIVE_DEADLINE', { ESR_INTERACTIVE_DEADLINE: 'PT3S' }, (s) => s.esr.interactiveDeadlineMs, 3_000],
  ['SYNC_ENABLED', { SYNC_ENABLED: 'false' }, (s) => s.sync.enabled, false],
  ['SYNC_INTERVAL', { SYNC_INTERVAL: 'PT2M' }, (s) => s.sync.intervalMs, 120_000],
  ['FULL_SYNC_CRON', { FULL_SYNC_CRON: '0 3 * * *' }, (s) => s.sync.fullSyncCron, '0 3 * * *'],
  ['SYNC_LEASE_TTL', { SYNC_LEASE_TTL: 'PT45S' }, (s) => s.sync.leaseTtlMs, 45_000],
  ['SYNC_REMOVAL_GUARD_PERCENT', { SYNC_REMOVAL_GUARD_PERCENT: '40' }, (s) => s.sync.removalGuardPercent, 40],
  ['SYNC_REMOVAL_GUARD_COUNT', { SYNC_REMOVAL_GUARD_COUNT: '25' }, (s) => s.sync.removalGuardCount, 25],
  ['ACTIVATION_DELAY', { ACTIVATION_DELAY: 'PT1H30M' }, (s) => s.access.activationDelayMs, 90 * 60_000],
  ['ACCESS_MAX_STALENESS', { ACCESS_MAX_STALENESS: 'PT30H' }, (s) => s.access.maxStalenessMs, 30 * 3_600_000],
  ['MAPPING_SELF_SERVICE', { MAPPING_SELF_SERVICE: 'true' }, (s) => s.access.mappingSelfService, true],
  ['MAPPING_CACHE_CHECK_INTERVAL', { MAPPING_CACHE_CHECK_INTERVAL: 'PT1M' }, (s) => s.access.mappingCacheCheckIntervalMs, 60_000],
  ['MAPPING_CACHE_NEGATIVE_TTL', { MAPPING_CACHE_NEGATIVE_TTL: 'PT30S' }, (s) => s.access.mappingCacheNegatives.ttlMs, 30_000],
  ['MAPPING_CACHE_NEGATIVE_MAX', { MAPPING_CACHE_NEGATIVE_MAX: '0' }, (s) => s.access.mappingCacheNegatives.max, 0],
  ['SUPPORT_CONTACT', { SUPPORT_CONTACT: '  Call the service desk.  ' }, (s) => s.access.supportContact, 'Call the service desk.'],
  ['SEARCH_RATE_LIMIT_PER_MINUTE', { SEARCH_RATE_LIMIT_PER_MINUTE: '31' }, (s) => s.rates.searchPerUserPerMinute, 31],
  ['SEARCH_KEY_RATE_LIMIT_PER_MINUTE', { SEARCH_KEY_RATE_LIMIT_PER_MINUTE: '601' }, (s) => s.rates.searchPerKeyPerMinute, 601],
  ['API_RATE_LIMIT_PER_MINUTE', { API_RATE_LIMIT_PER_MINUTE: '1201' }, (s) => s.rates.apiPerKeyPerMinute, 1201],
  ['REFRESH_RATE_LIMIT_PER_MINUTE', { REFRESH_RATE_LIMIT_PER_MINUTE: '7' }, (s) => s.rates.refreshPerUserPerMinute, 7],
  ['LOOKUP_RATE_LIMIT_PER_MINUTE', { LOOKUP_RATE_LIMIT_PER_MINUTE: '61' }, (s) => s.rates.lookupPerUserPerMinute, 61],
  ['LOOKUP_KEY_RATE_LIMIT_PER_MINUTE', { LOOKUP_KEY_RATE_LIMIT_PER_MINUTE: '1201' }, (s) => s.rates.lookupPerKeyPerMinute, 1201],
  ['AUDIT_HMAC_SECRET', { AUDIT_HMAC_SECRET: 'another-audit-key-0123' }, (s) => s.audit.hmacSecret, 'another-audit-key-0123'],
  ['AUDIT_REFUSAL_WINDOW', { AUDIT_REFUSAL_WINDOW: 'PT10M' }, (s) => s.audit.refusalWindowMs, 600_000],
  ['AUDIT_RETENTION', { AUDIT_RETENTION: 'P30D' }, (s) => s.audit.retentionMs, 30 * 86_400_000],
  ['WEBHOOK_URL', { WEBHOOK_URL: 'https://portal.example/hook', WEBHOOK_SECRET: 'webhook-secret-0123' }, (s) => s.webhooks.target?.url, 'https://portal.example/hook'],
  ['WEBHOOK_SECRET', { WEBHOOK_URL: 'https://portal.example/hook', WEBHOOK_SECRET: 'webhook-secret-0123' }, (s) => s.webhooks.target?.secret, 'webhook-secret-0123'],
  ['WEBHOOK_MAX_ATTEMPTS', { WEBHOOK_MAX_ATTEMPTS: '3' }, (s) => s.webhooks.maxAttempts, 3],
  ['STATUS_PAGE_SESSION_SECRET', { STATUS_PAGE_SESSION_SECRET: 'status-page-session-secret-0123456789' }, (s) => s.statusPage.sessionSecret, 'status-page-session-secret-0123456789'],
  ['STATUS_PAGE_ENABLED', { STATUS_PAGE_SESSION_SECRET: 'status-page-session-secret-0123456789', STATUS_PAGE_ENABLED: 'false' }, (s) => s.statusPage.enabled, false],
  ['STATUS_PAGE_SESSION_TTL', { STATUS_PAGE_SESSION_TTL: 'PT2H' }, (s) => s.statusPage.sessionTtlMs, 2 * 3_600_000],
  ['SANDBOX_SEED', { SANDBOX_SEED: '7' }, (s) => s.localMode.sandbox.seed, 7],
  ['SANDBOX_VPD_COUNT', { SANDBOX_VPD_COUNT: '5' }, (s) => s.localMode.sandbox.vpdCount, 5],
  ['SANDBOX_ROLE_ASSIGNMENTS', { SANDBOX_ROLE_ASSIGNMENTS: '80' }, (s) => s.localMode.sandbox.roleAssignments, 80],
];

describe(settingsFrom.name, () => {
  it.each(TABLE)('should read %s into its settings field', (_variable, env, read, expected) => {
    const settings = settingsFrom(validateEnvironment({ ...DEPLOYED, ...env }));
    expect(read(settings)).toEqual(expected);
  });

  it('should cover every environment variable in the table above', () => {
    const declared = getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((m) => m.propertyName);
    expect(new Set(TABLE.map(([variable]) => variable))).toEqual(new Set(declared));
  });

  it('should leave webhooks off unless both WEBHOOK_URL and WEBHOOK_SECRET are set', () => {
    const off = settingsFrom(validateEnvironment({ ...DEPLOYED, WEBHOOK_MAX_ATTEMPTS: '3' })).webhooks;
    expect(off).toMatchObject({ target: undefined, enabled: false, maxAttempts: 3 });
  });

  it('should build one object of its own class per area', () => {
    const settings = settingsFrom(validateEnvironment(DEPLOYED));
    const classes = Object.values(settings).map((value: object) => value.constructor);
    expect(new Set(classes).size).toBe(classes.length);
    expect(classes).not.toContain(Object);
  });
});

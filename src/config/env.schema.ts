import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  validateSync,
  ValidationError,
  ValidationOptions,
} from 'class-validator';
import { CronTime } from 'cron';
import { parseApiKeys } from './api-keys';
import { parseIsoDuration } from '../domain/duration';
import { ESR_ASSERTION_ALGORITHMS, ESR_CLIENT_AUTH_METHODS, esrClientAuthProblems } from './esr-client-auth';
import { resolveSecretFiles } from './secret-files';
import { webhookSecretProblems } from './webhook-secret';
import { SANDBOX_CLIENT_SECRET, weakConfigProblems } from './weak-config';
import { trustProxyProblems } from './trust-proxy';
import { VPD_LIST } from '../domain/identifiers';
import { UK_ZONE } from '../domain/uk-time';
import { OptionalHostPortList, REDIS_OPTIONAL_VARIABLES, redisTopologyProblems } from './redis-topology.schema';

/** An ISO-8601 duration, optionally bounded (bounds as ISO strings, so messages read naturally). */
function IsIsoDuration(bounds: { min?: string; max?: string } = {}, options?: ValidationOptions) {
  const min = bounds.min ? (parseIsoDuration(bounds.min) as number) : 0;
  const max = bounds.max ? (parseIsoDuration(bounds.max) as number) : Number.MAX_SAFE_INTEGER;
  const range = bounds.min || bounds.max ? ` between ${bounds.min ?? 'PT0S'} and ${bounds.max ?? 'any length'}` : '';
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isIsoDuration',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an ISO-8601 duration such as PT5M or PT24H${range}`, ...options },
      validator: {
        validate: (v: unknown) => {
          const ms = typeof v === 'string' ? parseIsoDuration(v) : null;
          return ms !== null && ms >= min && ms <= max;
        },
      },
    });
}

function IsCronExpression(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCronExpression',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a cron expression such as "30 2 * * *"`, ...options },
      validator: {
        validate: (v: unknown) => {
          if (typeof v !== 'string') return false;
          try {
            new CronTime(v, UK_ZONE);
            return true;
          } catch {
            return false;
          }
        },
      },
    });
}

function IsApiKeyList(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isApiKeyList',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (v: unknown) => {
          if (typeof v !== 'string') return false;
          try {
            parseApiKeys(v);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: (args) => {
          try {
            parseApiKeys(String(args?.value));
            return '';
          } catch (e) {
            return `API_KEYS is invalid: ${(e as Error).message} (format id:secret:scope+scope[:vpd+vpd], comma-separated)`;
          }
        },
      },
    });
}

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every environment variable the service reads. Validated once at boot; a bad value stops the
 * process with a message naming the variable. Defaults are those of the gateway API contract.
 */
export class EnvironmentVariables {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  /** Unset: 127.0.0.1 in local mode, 0.0.0.0 otherwise. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(1) HOST?: string;
  @IsIn(['production', 'development', 'test']) NODE_ENV = 'development';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;
  @IsString() @MinLength(1) SQLITE_PATH = './data/esr-gateway.sqlite';
  @Transform(toBool) @IsBoolean() DATABASE_MIGRATIONS_RUN = true;
  @Transform(toInt) @IsInt() @Min(1) @Max(100) DATABASE_POOL_SIZE = 10;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;
  @IsString()
  @Matches(/^(?=.{0,64}$)[A-Za-z0-9:._-]*(?:\{[A-Za-z0-9:._-]+\}[A-Za-z0-9:._-]*)?$/, {
    message:
      'REDIS_KEY_PREFIX must be up to 64 characters of A-Z a-z 0-9 : . _ - with at most one hash tag: "{", one or more of those characters, "}" (e.g. {esr-gateway}:)',
  })
  REDIS_KEY_PREFIX = 'esr-gateway:';
  // Redis topologies and TLS (redis-topology.schema.ts has the rules across them; docs/deployment.md).
  @OptionalHostPortList() REDIS_SENTINELS?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'REDIS_SENTINEL_NAME must be a name' })
  REDIS_SENTINEL_NAME?: string;
  @OptionalHostPortList() REDIS_CLUSTER_NODES?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(256) REDIS_USERNAME?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(512) REDIS_PASSWORD?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(512) REDIS_SENTINEL_PASSWORD?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() REDIS_TLS_CA_FILE?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() REDIS_TLS_CERT_FILE?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() REDIS_TLS_KEY_FILE?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(253) REDIS_TLS_SERVERNAME?: string;
  /** Replicas that must acknowledge a lease write (WAIT) before it counts; unset: 1 with Sentinel, else 0. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(0) @Max(5) REDIS_LEASE_REPLICAS?: number;

  @Transform(emptyToUndefined) @IsOptional() @IsApiKeyList() API_KEYS?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'ESR_BASE_URL must be an http(s) URL' })
  ESR_BASE_URL?: string;
  @IsString() @MinLength(1) @MaxLength(256) ESR_CLIENT_ID = 'esr-gateway-sandbox';
  @IsString() @MinLength(1) @MaxLength(512) ESR_CLIENT_SECRET = SANDBOX_CLIENT_SECRET;
  @IsString() @MaxLength(256) ESR_SCOPE = 'esr.read';
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(VPD_LIST, { message: 'ESR_VPDS must be comma-separated 3-digit VPDs, e.g. 979,123' })
  ESR_VPDS?: string;
  @IsString() @MinLength(1) @MaxLength(200) ESR_ROLE_NAME = 'Digital Passport Administrator';
  @IsIsoDuration({ min: 'PT0.01S', max: 'PT2M' }) ESR_CONNECT_TIMEOUT = 'PT5S';
  @IsIsoDuration({ min: 'PT0.01S', max: 'PT5M' }) ESR_REQUEST_TIMEOUT = 'PT15S';
  @Transform(toInt) @IsInt() @Min(1) @Max(10) ESR_MAX_ATTEMPTS = 4;
  @IsIsoDuration() ESR_RETRY_BASE_DELAY = 'PT0.2S';
  @IsIsoDuration() ESR_RETRY_MAX_DELAY = 'PT10S';
  @IsIsoDuration() ESR_RETRY_AFTER_CAP = 'PT30S';
  @Transform(toInt) @IsInt() @Min(1) @Max(20) ESR_RATE_LIMIT_PER_SECOND = 15;
  /** Replicas expected at least: while Redis is away each keeps to ESR_RATE_LIMIT_PER_SECOND / this (or / the replicas seen). */
  @Transform(toInt) @IsInt() @Min(1) @Max(100) ESR_RATE_LIMIT_REPLICAS = 2;
  @Transform(toInt) @IsInt() @Min(1) @Max(64) ESR_MAX_CONCURRENCY = 8;
  /** Percent of the rate and concurrency budgets the sync never uses, kept for calls a person waits on. */
  @Transform(toInt) @IsInt() @Min(0) @Max(90) ESR_INTERACTIVE_RESERVE = 20;
  /** Longest a person waits on ESR (search, refresh, mapping check), retries and queueing included. */
  @IsIsoDuration({ min: 'PT0.1S', max: 'PT5M' }) ESR_INTERACTIVE_DEADLINE = 'PT10S';
  @Transform(toInt) @IsInt() @Min(1) @Max(100) ESR_BREAKER_THRESHOLD = 5;
  @IsIsoDuration({ min: 'PT0.1S', max: 'PT1H' }) ESR_BREAKER_HALF_OPEN_AFTER = 'PT30S';
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) ESR_PAGE_SIZE = 500;

  // ESR client authentication at the token endpoint (esr-api.yaml 1.1.0); checked by esrClientAuthProblems.
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'ESR_TOKEN_URL must be an http(s) URL' })
  ESR_TOKEN_URL?: string;
  @IsIn(ESR_CLIENT_AUTH_METHODS, { message: `ESR_CLIENT_AUTH must be one of ${ESR_CLIENT_AUTH_METHODS.join(', ')}` })
  ESR_CLIENT_AUTH = 'client_secret_post';
  /** PEM private key of private_key_jwt; usually ESR_CLIENT_PRIVATE_KEY_FILE (see secret-files.ts). */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(16_384) ESR_CLIENT_PRIVATE_KEY?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(256) ESR_CLIENT_KEY_ID?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(ESR_ASSERTION_ALGORITHMS, { message: `ESR_CLIENT_ASSERTION_ALG must be one of ${ESR_ASSERTION_ALGORITHMS.join(', ')}` })
  ESR_CLIENT_ASSERTION_ALG?: string;

  // Outbound proxy for every call the gateway makes (ESR and webhooks): src/common/http/outbound-http.ts.
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'HTTPS_PROXY must be an http(s) URL' })
  HTTPS_PROXY?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'HTTP_PROXY must be an http(s) URL' })
  HTTP_PROXY?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(4096) NO_PROXY?: string;

  @IsIsoDuration({ max: 'P30D' }) ACTIVATION_DELAY = 'PT24H';
  @Transform(toBool) @IsBoolean() SYNC_ENABLED = true;
  @IsIsoDuration({ min: 'PT10S', max: 'P1D' }) SYNC_INTERVAL = 'PT5M';
  @IsCronExpression() FULL_SYNC_CRON = '30 2 * * *';
  @IsIsoDuration({ min: 'PT0.1S', max: 'PT10M' }) SYNC_LEASE_TTL = 'PT30S';
  @Transform(toInt) @IsInt() @Min(0) @Max(100) SYNC_REMOVAL_GUARD_PERCENT = 20;
  @Transform(toInt) @IsOptional() @IsInt() @Min(0) SYNC_REMOVAL_GUARD_COUNT?: number;
  @IsIsoDuration({ min: 'PT1M', max: 'P30D' }) ACCESS_MAX_STALENESS = 'PT26H';
  @IsIsoDuration({ min: 'PT10S', max: 'P1D' }) MAPPING_CACHE_CHECK_INTERVAL = 'PT10M';
  @IsIsoDuration({ min: 'PT10S', max: 'PT1H' }) MAPPING_CACHE_NEGATIVE_TTL = 'PT1M';
  @Transform(toInt) @IsInt() @Min(0) @Max(10_000_000) MAPPING_CACHE_NEGATIVE_MAX = 50000;

  @Transform(toInt) @IsInt() @Min(1) @Max(10000) SEARCH_RATE_LIMIT_PER_MINUTE = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(100000) SEARCH_KEY_RATE_LIMIT_PER_MINUTE = 600;
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000_000) API_RATE_LIMIT_PER_MINUTE = 12000;
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) REFRESH_RATE_LIMIT_PER_MINUTE = 6;
  /** ESR record look-ups (look-up, save, import rows) per acting user and per API key. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10000) LOOKUP_RATE_LIMIT_PER_MINUTE = 60;
  @Transform(toInt) @IsInt() @Min(1) @Max(100000) LOOKUP_KEY_RATE_LIMIT_PER_MINUTE = 1200;
  @IsIsoDuration({ min: 'PT1S', max: 'PT1H' }) AUDIT_REFUSAL_WINDOW = 'PT5M';
  @Transform(toBool) @IsBoolean() MAPPING_SELF_SERVICE = false;

  @IsIsoDuration({ min: 'PT1S', max: 'PT5M' }) HTTP_REQUEST_TIMEOUT = 'PT30S';
  @IsIsoDuration({ min: 'PT1S', max: 'PT5M' }) HTTP_CONNECTION_TIMEOUT = 'PT30S';
  @Transform(toBool) @IsBoolean() DOCS_ENABLED = true;
  /** Proxies whose X-Forwarded-For names the client address (trust-proxy.ts); unset: none. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(4096) TRUST_PROXY?: string;
  /** Allow http:// ESR and webhook URLs outside local mode (weak-config.ts; a warning at start). */
  @Transform(toBool) @IsBoolean() ALLOW_INSECURE_HTTP = false;
  /** Failed API keys or sign-ins allowed per client address per minute before 429 (then backoff). */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000) AUTH_FAILURES_PER_MINUTE = 10;
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'AUDIT_HMAC_SECRET must be at least 16 characters' })
  AUDIT_HMAC_SECRET?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'WEBHOOK_URL must be an http(s) URL' })
  WEBHOOK_URL?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(512)
  WEBHOOK_SECRET?: string; // whsec_ + base64, or the deprecated raw form: webhookSecretProblems
  @Transform(toInt) @IsInt() @Min(1) @Max(50) WEBHOOK_MAX_ATTEMPTS = 12;
  @IsIsoDuration({ min: 'P1D', max: 'P3650D' }) AUDIT_RETENTION = 'P400D';
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(300) SUPPORT_CONTACT?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @Matches(/^(?:all|errors|0(?:\.\d{1,6})?|1(?:\.0{1,6})?)$/, {
    message: 'REQUEST_LOG must be all, errors or a share of successful requests from 0 to 1, e.g. 0.1',
  })
  REQUEST_LOG = 'all';

  /** OpenTelemetry (standard variables, read by the SDK itself; see src/config/tracing-env.ts): checked here so a typo fails the start. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsIn(['http/protobuf', 'http/json', 'grpc']) OTEL_EXPORTER_OTLP_PROTOCOL?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
  OTEL_TRACES_SAMPLER?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(?:0(?:\.\d+)?|1(?:\.0+)?)$/, { message: 'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1' })
  OTEL_TRACES_SAMPLER_ARG?: string;
  @IsIsoDuration({ min: 'PT1S', max: 'PT5M' }) SHUTDOWN_GRACE_PERIOD = 'PT10S';

  /** The ops status page at /status: unset means on where it can be safe (see validateEnvironment). */
  @Transform(toBool) @IsOptional() @IsBoolean() STATUS_PAGE_ENABLED?: boolean;
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'STATUS_PAGE_SESSION_SECRET must be at least 32 characters' })
  STATUS_PAGE_SESSION_SECRET?: string;
  @IsIsoDuration({ min: 'PT1M', max: 'P1D' }) STATUS_PAGE_SESSION_TTL = 'PT8H';
  @IsIsoDuration({ min: 'PT1M', max: 'P1D' }) STATUS_PAGE_IDLE_TIMEOUT = 'PT30M';

  @Transform(toInt) @IsInt() @Min(0) @Max(2 ** 31 - 1) SANDBOX_SEED = 1;
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) SANDBOX_VPD_COUNT = 3;
  @Transform(toInt) @IsInt() @Min(0) @Max(10_000_000) SANDBOX_ROLE_ASSIGNMENTS = 60;
}

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? m : `${e.property}: ${m}`)));
}

/**
 * Local mode is exactly: no NODE_ENV=production, no DATABASE_URL and no ESR_BASE_URL (the README's first
 * command). Only there the local API key, the fixed audit key and the built-in ESR sandbox are used.
 */
export function isLocalMode(env: Pick<EnvironmentVariables, 'NODE_ENV' | 'DATABASE_URL' | 'ESR_BASE_URL'>): boolean {
  return env.NODE_ENV !== 'production' && !env.DATABASE_URL && !env.ESR_BASE_URL;
}

/** What must be set outside local mode: the service fails closed rather than fall back to a local default. */
const REQUIRED_OUTSIDE_LOCAL_MODE = ['API_KEYS', 'AUDIT_HMAC_SECRET', 'ESR_BASE_URL'] as const;

/** Outside local mode, one problem per missing variable, each saying why local mode does not apply. */
function failClosedProblems(env: EnvironmentVariables): string[] {
  if (isLocalMode(env)) return [];
  const because = [
    env.NODE_ENV === 'production' ? 'NODE_ENV=production' : undefined,
    env.DATABASE_URL ? 'DATABASE_URL is set' : undefined,
    env.ESR_BASE_URL ? 'ESR_BASE_URL is set' : undefined,
  ].filter(Boolean);
  return REQUIRED_OUTSIDE_LOCAL_MODE.filter((name) => !env[name]).map(
    (name) => `${name}: must be set outside local mode (${because.join(', ')}); local defaults are only for local mode`,
  );
}

const MODE_VARIABLES = ['NODE_ENV', 'DATABASE_URL', 'ESR_BASE_URL'];

/** The proxy variables, also read in lower case (curl's and Node's convention) when the upper-case one is unset. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'] as const;

function withProxyFallbacks(raw: Record<string, unknown>): Record<string, unknown> {
  const env = { ...raw };
  for (const name of PROXY_VARIABLES)
    if (env[name] === undefined && env[name.toLowerCase()] !== undefined) env[name] = env[name.toLowerCase()];
  return env;
}

/**
 * Validates raw environment values; returns the typed instance or throws ConfigValidationError naming
 * every bad or missing variable at once.
 */
/** The optional OpenTelemetry variables checked here (declared without defaults). */
const OTEL_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'];

export function validateEnvironment(input: Record<string, unknown>): EnvironmentVariables {
  // Secrets given as files (NAME_FILE) are read first, so every check below sees their values.
  const secrets = resolveSecretFiles(withProxyFallbacks(input));
  const raw = secrets.env;
  const known = Object.keys(new EnvironmentVariables()).concat([
    'HOST',
    'DATABASE_URL',
    ...REDIS_OPTIONAL_VARIABLES,
    'API_KEYS',
    'ESR_BASE_URL',
    'ESR_VPDS',
    'SYNC_REMOVAL_GUARD_COUNT',
    'AUDIT_HMAC_SECRET',
    'WEBHOOK_URL',
    'WEBHOOK_SECRET',
    'SUPPORT_CONTACT',
    'STATUS_PAGE_ENABLED',
    'STATUS_PAGE_SESSION_SECRET',
    'ESR_TOKEN_URL',
    'ESR_CLIENT_PRIVATE_KEY',
    'ESR_CLIENT_KEY_ID',
    'ESR_CLIENT_ASSERTION_ALG',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
    'TRUST_PROXY',
    ...OTEL_VARIABLES,
  ]);
  const relevant = Object.fromEntries(Object.entries(raw).filter(([k]) => known.includes(k)));
  const env = plainToInstance(EnvironmentVariables, relevant, { exposeDefaultValues: true });
  const problems = [
    ...secrets.problems,
    ...flatten(validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false, stopAtFirstError: true })),
  ];
  if (!problems.some((p) => p.startsWith('ESR_CLIENT_'))) problems.push(...esrClientAuthProblems(env));
  // The mode is only decided on valid values: a bad NODE_ENV, DATABASE_URL or ESR_BASE_URL is fixed first.
  if (!problems.some((p) => MODE_VARIABLES.some((name) => p.startsWith(name)))) problems.push(...failClosedProblems(env));
  problems.push(...redisTopologyProblems(env), ...trustProxyProblems(env.TRUST_PROXY));
  if (!problems.some((p) => MODE_VARIABLES.some((name) => p.startsWith(name)))) problems.push(...weakConfigProblems(env, isLocalMode(env)));
  if (env.WEBHOOK_URL && !env.WEBHOOK_SECRET) problems.push('WEBHOOK_SECRET: must be set when WEBHOOK_URL is set (events are signed)');
  if (!problems.some((p) => p.startsWith('WEBHOOK_SECRET'))) problems.push(...webhookSecretProblems(env.WEBHOOK_SECRET, isLocalMode(env)));
  // The status page's session cookies are signed with STATUS_PAGE_SESSION_SECRET; outside local mode
  // there is no made-up key to fall back on: asking for the page without one stops the start.
  if (!isLocalMode(env) && env.STATUS_PAGE_ENABLED === true && !env.STATUS_PAGE_SESSION_SECRET)
    problems.push('STATUS_PAGE_SESSION_SECRET: must be set (at least 32 characters) when STATUS_PAGE_ENABLED=true outside local mode');
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

/**
 * The ESR sandbox: a simulated upstream ESR API (shared/contracts/esr-api.yaml) on plain Fastify,
 * plus sandbox-only admin endpoints under /sandbox. Started on its own (src/sandbox/main.ts,
 * `npm run sandbox`), by tests, or by the gateway's bootstrap in local mode. See README.md here.
 */
import Fastify, { FastifyInstance } from 'fastify';
import { adminRoutes } from './routes/admin.routes';
import { faultRoutes } from './routes/faults.routes';
import { listingRoutes } from './routes/listings.routes';
import { oauthRoutes } from './routes/oauth.routes';
import { peopleRoutes } from './routes/people.routes';
import { createRouteContext } from './routes/route-context';
import { SandboxAdmin, SandboxParts } from './sandbox.admin';
import { CLIENT_AUTH_METHODS, ClientAuthMethod, parseAuthMethods } from './sandbox.client-auth';
import { OpaqueCodec } from './sandbox.codec';
import { SandboxError } from './sandbox.errors';
import { SandboxDataset } from './sandbox.generator';
import { SlidingWindowRateLimiter } from './sandbox.rate-limiter';
import { SandboxStore } from './sandbox.store';
import { TokenService } from './sandbox.tokens';

export { SandboxAdmin } from './sandbox.admin';
export type { AssignRoleOptions, DeactivateOptions, PersonLocator, RoleHolder, SandboxFixture } from './sandbox.admin';
export type { ClientAuthMethod, ClientPublicKey } from './sandbox.client-auth';
export { CLIENT_AUTH_METHODS, JWT_BEARER_ASSERTION_TYPE } from './sandbox.client-auth';
export type { ActiveFaults, SandboxFaults } from './sandbox.faults';
export type { FixtureKey } from './sandbox.fixtures';
export { HOME_EMPLOYEE_NUMBER, HOME_VPD } from './sandbox.fixtures';
export * from './sandbox.types';

export interface SandboxOptions {
  /** 0 = an ephemeral port. Default 4010. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seed of the generated data. Default 1. */
  seed?: number;
  /** Number of VPDs (1..1000, always including 979). Default 3. */
  vpdCount?: number;
  /** Total Digital Passport Administrator role assignments across VPDs (at least the fixtures'). Default 60. */
  roleAssignments?: number;
  /** Default 'esr-gateway-sandbox' (the gateway's default ESR_CLIENT_ID). */
  clientId?: string;
  /** Default 'sandbox-secret' (the gateway's default ESR_CLIENT_SECRET). */
  clientSecret?: string;
  /** How the client may authenticate at /oauth2/token. Default: all three methods. */
  clientAuthMethods?: ClientAuthMethod[];
  /**
   * Public keys (JWKs with a kid: RSA for RS512, EC P-256 for ES256) the client signs private_key_jwt
   * assertions with. More can be registered later with `admin.registerClientKey`. Default none.
   */
  clientKeys?: object[];
  /** A token URL assertions may name as `aud` besides the URL the request reached (e.g. behind a proxy). */
  tokenUrl?: string;
  /** Lifetime of access tokens. Default 300. */
  tokenTtlSeconds?: number;
  /** ESR API requests per second per client above which the answer is 429 (0: no limit). Default 20. */
  rateLimitPerSecond?: number;
  /** The sandbox's clock for data, tokens and the change feed. Default: the system clock. */
  now?: () => Date;
  /** Log requests (pino, without query strings). Default false. */
  logger?: boolean;
  /** Role rows and changes carry the holder's title, first and last name (contract 1.1.0). Default true; false: as ESR answers a client that may not read names. */
  holderNames?: boolean;
}

export interface RunningSandbox {
  /** Base URL, e.g. http://127.0.0.1:4010 (no trailing slash). */
  url: string;
  close(): Promise<void>;
  admin: SandboxAdmin;
}

const DEFAULTS = {
  port: 4010,
  host: '127.0.0.1',
  seed: 1,
  vpdCount: 3,
  roleAssignments: 60,
  clientId: 'esr-gateway-sandbox',
  clientSecret: 'sandbox-secret',
  tokenTtlSeconds: 300,
  rateLimitPerSecond: 20,
} as const;

function integerOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < min || chosen > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  return chosen;
}

function stringOption(name: string, value: string | undefined, fallback: string): string {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'string' || chosen.length === 0) throw new RangeError(`${name} must be a non-empty string`);
  return chosen;
}

function urlOption(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !URL.canParse(value)) throw new RangeError(`${name} must be an absolute URL`);
  return value;
}

/** Starts the sandbox and resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const port = integerOption('port', options.port, DEFAULTS.port, 0, 65_535);
  const host = stringOption('host', options.host, DEFAULTS.host);
  const clock = options.now ?? (() => new Date());
  const now = (): number => {
    const ms = clock().getTime();
    if (!Number.isFinite(ms)) throw new RangeError('the sandbox clock returned an invalid date');
    return ms;
  };
  const dataset = new SandboxDataset({
    seed: integerOption('seed', options.seed, DEFAULTS.seed, 0, 0xffff_ffff),
    vpdCount: integerOption('vpdCount', options.vpdCount, DEFAULTS.vpdCount, 1, 1000),
    roleAssignments: integerOption('roleAssignments', options.roleAssignments, DEFAULTS.roleAssignments, 0, 10_000_000),
    anchor: now(),
  });
  const tokens = new TokenService(
    {
      clientId: stringOption('clientId', options.clientId, DEFAULTS.clientId),
      clientSecret: stringOption('clientSecret', options.clientSecret, DEFAULTS.clientSecret),
      authMethods: parseAuthMethods(options.clientAuthMethods ?? CLIENT_AUTH_METHODS),
      keys: options.clientKeys ?? [],
    },
    integerOption('tokenTtlSeconds', options.tokenTtlSeconds, DEFAULTS.tokenTtlSeconds, 1, 86_400),
    now,
    urlOption('tokenUrl', options.tokenUrl),
  );
  const rateLimiter = new SlidingWindowRateLimiter(
    integerOption('rateLimitPerSecond', options.rateLimitPerSecond, DEFAULTS.rateLimitPerSecond, 0, 1_000_000),
  );
  const store = new SandboxStore(dataset, now);
  const codec = new OpaqueCodec();
  const admin = new SandboxAdmin({ dataset, store, tokens, rateLimiter, codec, now });

  const holderNames = options.holderNames ?? true;
  const app = buildApp({ dataset, store, tokens, rateLimiter, codec, admin, now, holderNames }, options.logger ?? false);
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    admin,
    close: () => (closing ??= app.close()),
  };
}

/**
 * The sandbox's Fastify app: body parsing and the contract's error shape here, the routes in groups
 * (Fastify plugins under ./routes): oauth, listings, people, admin and faults.
 */
function buildApp(parts: SandboxParts & { admin: SandboxAdmin }, logger: boolean): FastifyInstance {
  const app = Fastify({
    logger: logger
      ? {
          level: 'info',
          // Query strings carry names, dates of birth and NI numbers: log the path only.
          serializers: {
            req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }),
          },
        }
      : false,
    forceCloseConnections: true,
    bodyLimit: 64 * 1024,
  });
  const shutdown = new AbortController();
  app.addHook('onClose', async () => shutdown.abort());

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Any other content type reaches the handler as text, which then answers 400 in the contract's shape.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof SandboxError) {
      void reply.status(error.status).headers(error.headers).send(error.body);
      return;
    }
    if (error.name === 'AbortError') return;
    const status = error.statusCode ?? 500;
    if (status < 500) {
      void reply.status(status === 415 || status === 413 ? 400 : status).send({ error: 'invalid_request', message: error.message });
      return;
    }
    request.log.error({ err: error }, 'sandbox error');
    void reply.status(500).send({ error: 'internal_error', message: 'the sandbox failed to answer' });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  const context = createRouteContext(parts, shutdown.signal);
  for (const routes of [oauthRoutes, listingRoutes, peopleRoutes, adminRoutes, faultRoutes]) void app.register(routes, context);
  return app;
}

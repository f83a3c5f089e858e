/**
 * The ESR sandbox: a simulated upstream ESR API (shared/contracts/esr-api.yaml) on plain Fastify,
 * plus sandbox-only admin endpoints under /sandbox. Started on its own (src/sandbox/main.ts,
 * `npm run sandbox`) or inside the gateway when no ESR_BASE_URL is configured. See README.md here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseAssignRoleBody, parseDeactivateBody, parseEndDateBody, parseRateLimitBody, SandboxAdmin } from './sandbox.admin';
import { ChangesCursor, ListingCursor, OpaqueCodec } from './sandbox.codec';
import { SandboxError } from './sandbox.errors';
import { SandboxFaults, withMalformedItems } from './sandbox.faults';
import { PersonRef, SandboxDataset } from './sandbox.generator';
import { hashKey, Rng } from './sandbox.random';
import { SlidingWindowRateLimiter } from './sandbox.rate-limiter';
import { SandboxStore } from './sandbox.store';
import { formatUkTimestamp, parseDay, ukDay } from './sandbox.time';
import { TokenService } from './sandbox.tokens';
import { PersonSummary } from './sandbox.types';

export { SandboxAdmin } from './sandbox.admin';
export type { AssignRoleOptions, DeactivateOptions, PersonLocator, RoleHolder, SandboxFixture } from './sandbox.admin';
export type { ActiveFaults, SandboxFaults } from './sandbox.faults';
export type { FixtureKey } from './sandbox.generator';
export { HOME_EMPLOYEE_NUMBER, HOME_VPD } from './sandbox.generator';
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
  /** Lifetime of access tokens. Default 300. */
  tokenTtlSeconds?: number;
  /** ESR API requests per second per client above which the answer is 429 (0: no limit). Default 20. */
  rateLimitPerSecond?: number;
  /** The sandbox's clock for data, tokens and the change feed. Default: the system clock. */
  now?: () => Date;
  /** Log requests (pino, without query strings). Default false. */
  logger?: boolean;
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

const WATERMARK_MAX_AGE_MS = 7 * 24 * 3_600_000;
const MAX_PEOPLE_RESULTS = 20;
const SEARCH_KEYS = ['employeeNumber', 'assignmentNumber', 'lastName', 'dateOfBirth', 'niNumber'] as const;

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

type Query = Record<string, unknown>;

function queryValue(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw SandboxError.badRequest(`${name} must be given once`);
  return value;
}

function requiredQuery(query: Query, name: string): string {
  const value = queryValue(query, name);
  if (value === undefined || value === '') throw SandboxError.badRequest(`${name} is required`);
  return value;
}

function limitOf(query: Query): number {
  const text = queryValue(query, 'limit');
  if (text === undefined) return 500;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 1000)
    throw SandboxError.badRequest('limit must be an integer from 1 to 1000');
  return Number(text);
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
    stringOption('clientId', options.clientId, DEFAULTS.clientId),
    stringOption('clientSecret', options.clientSecret, DEFAULTS.clientSecret),
    integerOption('tokenTtlSeconds', options.tokenTtlSeconds, DEFAULTS.tokenTtlSeconds, 1, 86_400),
    now,
  );
  const rateLimiter = new SlidingWindowRateLimiter(
    integerOption('rateLimitPerSecond', options.rateLimitPerSecond, DEFAULTS.rateLimitPerSecond, 0, 1_000_000),
  );
  const store = new SandboxStore(dataset, now);
  const codec = new OpaqueCodec();
  const admin = new SandboxAdmin({ dataset, store, tokens, rateLimiter, codec, now });

  const app = buildApp({ dataset, store, tokens, rateLimiter, codec, admin, now, logger: options.logger ?? false });
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

interface AppParts {
  dataset: SandboxDataset;
  store: SandboxStore;
  tokens: TokenService;
  rateLimiter: SlidingWindowRateLimiter;
  codec: OpaqueCodec;
  admin: SandboxAdmin;
  now: () => number;
  logger: boolean;
}

function buildApp(parts: AppParts): FastifyInstance {
  const { dataset, store, tokens, rateLimiter, codec, admin, now } = parts;
  const app = Fastify({
    logger: parts.logger
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
  const faultRng = new Rng(hashKey(dataset.seed, 0xfa17));
  let malformedCounter = 0;
  const nextVariant = (): number => malformedCounter++;

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

  /** Latency and hanging: common to every contract endpoint. Returns false once the reply is hijacked. */
  async function delayOrHang(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const faults = admin.currentFaults;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: shutdown.signal });
    if (admin.currentFaults.hang) {
      // Never answer; the socket goes when the client gives up or the sandbox closes.
      reply.hijack();
      request.raw.socket.setTimeout(0);
      return false;
    }
    return true;
  }

  /** The ESR API's front door: faults, authentication, throttling, then the handler. */
  function esr<Params>(
    handler: (request: FastifyRequest<{ Params: Params; Querystring: Query }>, reply: FastifyReply) => unknown,
  ): (request: FastifyRequest<{ Params: Params; Querystring: Query }>, reply: FastifyReply) => Promise<unknown> {
    return async (request, reply) => {
      if (!(await delayOrHang(request, reply))) return reply;
      const faults = admin.currentFaults;
      if (faults.maintenance) {
        throw new SandboxError(503, 'maintenance', 'ESR is down for maintenance', {
          'retry-after': String(faults.maintenance.retryAfterSeconds),
        });
      }
      const clientId = tokens.authenticate(request.headers.authorization);
      if (faults.throttle) {
        throw new SandboxError(429, 'rate_limited', 'too many requests', { 'retry-after': String(faults.throttle.retryAfterSeconds) });
      }
      const wait = rateLimiter.take(clientId);
      if (wait > 0) {
        throw new SandboxError(429, 'rate_limited', `more than ${rateLimiter.limit} requests per second`, {
          'retry-after': String(wait),
        });
      }
      if (faults.errorRate > 0 && faultRng.next() < faults.errorRate) {
        throw new SandboxError(500, 'internal_error', 'injected failure');
      }
      return handler(request, reply);
    };
  }

  function vpdIndexOr(vpd: string, error: () => SandboxError): number {
    const index = /^\d{3}$/.test(vpd) ? dataset.vpdIndex(vpd) : undefined;
    if (index === undefined) throw error();
    return index;
  }

  const maybeMalformed = <T extends object>(items: T[]): unknown[] =>
    admin.currentFaults.malformedItems ? withMalformedItems(items, nextVariant) : items;

  // ---- the contract -----------------------------------------------------------------------

  app.post('/oauth2/token', async (request, reply) => {
    if (!(await delayOrHang(request, reply))) return reply;
    const issued = tokens.issue(request.body);
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(issued);
  });

  app.get(
    '/esr/v1/vpds',
    esr(() => ({ items: dataset.vpds() })),
  );

  app.get<{ Params: { vpd: string }; Querystring: Query }>(
    '/esr/v1/vpds/:vpd/supplementary-role-assignments',
    esr<{ vpd: string }>((request, reply) => {
      const { vpd } = request.params;
      const vpdIndex = vpdIndexOr(vpd, () => SandboxError.notFound(`no VPD ${vpd}`));
      const query = request.query;
      const roleName = requiredQuery(query, 'roleName');
      const employeeNumber = queryValue(query, 'employeeNumber') ?? null;
      if (employeeNumber !== null && !/^\d{8}$/.test(employeeNumber)) throw SandboxError.badRequest('employeeNumber must be 8 digits');
      const limit = limitOf(query);
      const cursorText = queryValue(query, 'cursor');
      let cursor: ListingCursor;
      if (cursorText !== undefined) {
        const decoded = codec.decodeCursor(cursorText);
        if (
          decoded?.kind !== 'listing' ||
          decoded.vpd !== vpd ||
          decoded.roleName !== roleName ||
          decoded.employeeNumber !== employeeNumber
        ) {
          throw SandboxError.badRequest('cursor is not valid for this listing', 'invalid_cursor');
        }
        cursor = decoded;
      } else {
        cursor = { kind: 'listing', vpd, roleName, employeeNumber, seq: store.head, at: now(), position: 0 };
      }
      // An employee number that is nobody in this VPD simply has no assignments.
      const person = employeeNumber === null ? null : dataset.findByEmployeeNumber(vpdIndex, employeeNumber);
      const page =
        person === undefined
          ? { items: [], nextPosition: null }
          : store.listRoleAssignments({
              vpdIndex,
              roleName,
              person,
              seq: cursor.seq,
              asOfDay: ukDay(cursor.at),
              position: cursor.position,
              limit,
            });
      const { items, nextPosition } = page;
      return reply.header('x-esr-extract-date', formatUkTimestamp(cursor.at)).send({
        items: maybeMalformed(items),
        nextCursor: nextPosition === null ? null : codec.encodeCursor({ ...cursor, position: nextPosition }),
        watermark: codec.encodeWatermark({ seq: cursor.seq, issuedAt: cursor.at }),
      });
    }),
  );

  app.get<{ Params: { vpd: string }; Querystring: Query }>(
    '/esr/v1/vpds/:vpd/supplementary-role-assignments/changes',
    esr<{ vpd: string }>((request, reply) => {
      const { vpd } = request.params;
      // The contract gives this endpoint no 404: an unknown VPD is a bad parameter.
      const vpdIndex = vpdIndexOr(vpd, () => SandboxError.badRequest(`no VPD ${vpd}`, 'unknown_vpd'));
      const query = request.query;
      const roleName = requiredQuery(query, 'roleName');
      const since = requiredQuery(query, 'since');
      const limit = limitOf(query);
      const cursorText = queryValue(query, 'cursor');
      const watermark = codec.decodeWatermark(since);
      if (!watermark || watermark.seq > store.head) {
        throw SandboxError.watermarkExpired('the watermark is unknown: do a full listing');
      }
      const current = now();
      if (current - watermark.issuedAt > WATERMARK_MAX_AGE_MS) {
        throw SandboxError.watermarkExpired('the watermark is older than 7 days: do a full listing');
      }
      let cursor: ChangesCursor;
      if (cursorText !== undefined) {
        const decoded = codec.decodeCursor(cursorText);
        if (decoded?.kind !== 'changes' || decoded.vpd !== vpd || decoded.roleName !== roleName || decoded.since !== since) {
          throw SandboxError.badRequest('cursor is not valid for these changes', 'invalid_cursor');
        }
        cursor = decoded;
      } else {
        cursor = { kind: 'changes', vpd, roleName, since, upTo: store.head, at: current, after: watermark.seq };
      }
      const page = store.listChanges({ vpdIndex, roleName, since: cursor.after, upTo: cursor.upTo, limit });
      return reply.header('x-esr-extract-date', formatUkTimestamp(cursor.at)).send({
        items: maybeMalformed(page.items),
        nextCursor: page.nextSince === null ? null : codec.encodeCursor({ ...cursor, after: page.nextSince }),
        watermark: codec.encodeWatermark({ seq: cursor.upTo, issuedAt: cursor.at }),
      });
    }),
  );

  app.get<{ Params: { vpd: string }; Querystring: Query }>(
    '/esr/v1/vpds/:vpd/people',
    esr<{ vpd: string }>((request) => {
      const { vpd } = request.params;
      // The contract gives this endpoint no 404: a VPD the client cannot read is 403.
      const vpdIndex = vpdIndexOr(vpd, () => new SandboxError(403, 'forbidden', `VPD ${vpd} is not one this client may read`));
      return { items: maybeMalformed(searchPeople(vpdIndex, request.query)) };
    }),
  );

  app.get<{ Params: { vpd: string; employeeNumber: string }; Querystring: Query }>(
    '/esr/v1/vpds/:vpd/people/:employeeNumber',
    esr<{ vpd: string; employeeNumber: string }>((request) => {
      const { vpd, employeeNumber } = request.params;
      const vpdIndex = vpdIndexOr(vpd, () => SandboxError.notFound(`no VPD ${vpd}`));
      const ref = dataset.findByEmployeeNumber(vpdIndex, employeeNumber);
      if (!ref) throw SandboxError.notFound(`no employee ${employeeNumber} in VPD ${vpd}`);
      return store.getPerson(ref);
    }),
  );

  function searchPeople(vpdIndex: number, query: Query): PersonSummary[] {
    const unknown = Object.keys(query).filter((k) => !(SEARCH_KEYS as readonly string[]).includes(k));
    if (unknown.length > 0) throw SandboxError.badRequest(`unknown search parameter(s): ${unknown.join(', ')}`);
    const given = SEARCH_KEYS.filter((k) => query[k] !== undefined);
    const values = Object.fromEntries(given.map((k) => [k, queryValue(query, k) as string])) as Partial<
      Record<(typeof SEARCH_KEYS)[number], string>
    >;
    const only = (...keys: string[]): boolean => given.length === keys.length && keys.every((k) => given.includes(k as never));
    const summaries = (refs: (PersonRef | undefined)[]): PersonSummary[] =>
      refs
        .filter((r): r is PersonRef => r !== undefined)
        .slice(0, MAX_PEOPLE_RESULTS)
        .map((r) => SandboxDataset.summary(store.getPerson(r)));

    if (only('employeeNumber')) {
      const employeeNumber = values.employeeNumber as string;
      if (!/^\d{8}$/.test(employeeNumber)) throw SandboxError.badRequest('employeeNumber must be 8 digits');
      return summaries([dataset.findByEmployeeNumber(vpdIndex, employeeNumber)]);
    }
    if (only('assignmentNumber')) {
      const assignmentNumber = values.assignmentNumber as string;
      const match = /^(\d{8})(?:-(\d{1,2}))?$/.exec(assignmentNumber);
      if (!match) throw SandboxError.badRequest('assignmentNumber must be 8 digits, optionally followed by -N');
      const ref = dataset.findByEmployeeNumber(vpdIndex, match[1]);
      const holds = ref && store.getPerson(ref).assignments.some((a) => a.assignmentNumber === assignmentNumber);
      return summaries([holds ? ref : undefined]);
    }
    if (only('lastName', 'dateOfBirth', 'niNumber')) {
      const { lastName, dateOfBirth, niNumber } = values as Record<'lastName' | 'dateOfBirth' | 'niNumber', string>;
      if (lastName.trim() === '' || lastName.length > 100) throw SandboxError.badRequest('lastName must be 1 to 100 characters');
      if (parseDay(dateOfBirth) === undefined) throw SandboxError.badRequest('dateOfBirth must be a date (YYYY-MM-DD)');
      if (!/^[A-Z]{2}\d{6}[A-D]$/.test(niNumber)) throw SandboxError.badRequest('niNumber must look like QQ123456C');
      const ref = dataset.findByNiNumber(vpdIndex, niNumber);
      const person = ref && store.getPerson(ref);
      const matches = person && person.lastName.toLowerCase() === lastName.trim().toLowerCase() && person.dateOfBirth === dateOfBirth;
      return summaries([matches ? ref : undefined]);
    }
    throw SandboxError.badRequest(
      'search by exactly one of: employeeNumber; assignmentNumber; or lastName, dateOfBirth and niNumber together',
    );
  }

  // ---- sandbox admin (never part of the gateway's API) ------------------------------------

  app.get('/sandbox', async () => ({
    vpds: admin.vpds(),
    fixtures: admin.fixtures(),
    faults: admin.faults(),
    rateLimitPerSecond: admin.rateLimit,
    watermark: admin.watermark(),
    baselineWatermark: admin.baselineWatermark(),
  }));
  app.get('/sandbox/fixtures', async () => ({ items: admin.fixtures() }));
  app.get<{ Params: { vpd: string; employeeNumber: string } }>('/sandbox/vpds/:vpd/people/:employeeNumber', async (request) => {
    const { vpd, employeeNumber } = request.params;
    return { person: admin.getPerson(vpd, employeeNumber) ?? null, roleAssignments: admin.roleAssignmentsOf(vpd, employeeNumber) };
  });
  app.post<{ Params: { vpd: string } }>('/sandbox/vpds/:vpd/role-assignments', async (request, reply) => {
    const { employeeNumber, options } = parseAssignRoleBody(request.body);
    return reply.status(201).send(admin.assignRole(request.params.vpd, employeeNumber, options));
  });
  app.get<{ Params: { id: string } }>('/sandbox/role-assignments/:id', async (request) => {
    const row = admin.getRoleAssignment(request.params.id);
    if (!row) throw SandboxError.notFound(`no role assignment ${request.params.id}`);
    return row;
  });
  app.post<{ Params: { id: string } }>('/sandbox/role-assignments/:id/end-date', async (request) =>
    admin.endDateRole(request.params.id, parseEndDateBody(request.body)),
  );
  app.delete<{ Params: { id: string } }>('/sandbox/role-assignments/:id', async (request, reply) => {
    admin.deleteRole(request.params.id);
    return reply.status(204).send();
  });
  app.post<{ Params: { vpd: string; employeeNumber: string } }>('/sandbox/vpds/:vpd/people/:employeeNumber/deactivate', async (request) =>
    admin.deactivatePerson(request.params.vpd, request.params.employeeNumber, parseDeactivateBody(request.body)),
  );
  app.get('/sandbox/faults', async () => admin.faults());
  // setFaults validates whatever it is given (the body is untrusted JSON).
  app.put('/sandbox/faults', async (request) => admin.setFaults(request.body as SandboxFaults));
  app.delete('/sandbox/faults', async (_request, reply) => {
    admin.clearFaults();
    return reply.status(204).send();
  });
  app.post('/sandbox/tokens/expire', async (_request, reply) => {
    admin.expireTokens();
    return reply.status(204).send();
  });
  app.put('/sandbox/rate-limit', async (request) => {
    admin.setRateLimit(parseRateLimitBody(request.body));
    return { perSecond: admin.rateLimit };
  });

  return app;
}

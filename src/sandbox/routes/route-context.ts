import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VPD } from '../../domain/identifiers';
import { SandboxAdmin, SandboxParts } from '../sandbox.admin';
import { SandboxError } from '../sandbox.errors';
import { withMalformedItems } from '../sandbox.faults';
import { hashKey, Rng } from '../sandbox.random';

export type Query = Record<string, unknown>;
type Handler<Params> = (request: FastifyRequest<{ Params: Params; Querystring: Query }>, reply: FastifyReply) => unknown;

/** What every route group of the sandbox is given: its state, the admin and the ESR API's front door. */
export interface SandboxRouteContext extends SandboxParts {
  admin: SandboxAdmin;
  /** Latency and hanging, common to every contract endpoint. Resolves false once the reply is hijacked. */
  delayOrHang(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
  /** The ESR API's front door: faults, authentication, throttling, then the handler. */
  esr<Params>(handler: Handler<Params>): Handler<Params>;
  /** A VPD's index, or the error the endpoint answers for a VPD it does not know. */
  vpdIndexOr(vpd: string, error: () => SandboxError): number;
  /** The items, with schema-breaking ones mixed in while the malformedItems fault is on. */
  maybeMalformed<T extends object>(items: T[]): unknown[];
}

/** Builds the route context; `shutdown` aborts injected latency when the sandbox closes. */
export function createRouteContext(parts: SandboxParts & { admin: SandboxAdmin }, shutdown: AbortSignal): SandboxRouteContext {
  const { admin, tokens, rateLimiter, dataset } = parts;
  const faultRng = new Rng(hashKey(dataset.seed, 0xfa17));
  let malformedCounter = 0;

  async function delayOrHang(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const faults = admin.currentFaults;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: shutdown });
    if (admin.currentFaults.hang) {
      // Never answer; the socket goes when the client gives up or the sandbox closes.
      reply.hijack();
      request.raw.socket.setTimeout(0);
      return false;
    }
    return true;
  }

  function esr<Params>(handler: Handler<Params>): Handler<Params> {
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

  return {
    ...parts,
    delayOrHang,
    esr,
    vpdIndexOr: (vpd, error) => {
      const index = VPD.test(vpd) ? dataset.vpdIndex(vpd) : undefined;
      if (index === undefined) throw error();
      return index;
    },
    maybeMalformed: (items) => (admin.currentFaults.malformedItems ? withMalformedItems(items, () => malformedCounter++) : items),
  };
}

export function queryValue(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw SandboxError.badRequest(`${name} must be given once`);
  return value;
}

export function requiredQuery(query: Query, name: string): string {
  const value = queryValue(query, name);
  if (value === undefined || value === '') throw SandboxError.badRequest(`${name} is required`);
  return value;
}

export function limitOf(query: Query): number {
  const text = queryValue(query, 'limit');
  if (text === undefined) return 500;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 1000)
    throw SandboxError.badRequest('limit must be an integer from 1 to 1000');
  return Number(text);
}

import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** What a caller may send as X-Request-Id; anything else is ignored. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The raw request, as Fastify hands it to hooks and pino: the caller's id rides along here. */
export type RawRequestWithCallerId = IncomingMessage & { callerRequestId?: string; unmatchedRoute?: boolean };

/** The caller's X-Request-Id when well formed, else undefined. Never used as the server's own id. */
export function callerRequestIdOf(req: IncomingMessage): string | undefined {
  const sent = req.headers['x-request-id'];
  const value = Array.isArray(sent) ? sent[0] : sent;
  return value && CALLER_REQUEST_ID.test(value) ? value : undefined;
}

/**
 * The id a response carries (header and error body): the caller's when they sent one (contract:
 * "echoed if the caller sent one"), else the server's. The server's own id (request.id) is what logs
 * and audit rows key on, so two callers sending the same id never share an audit request id.
 */
export function responseRequestId(request: FastifyRequest): string {
  // Computed from the header rather than read from onRequest's note: router errors answer before hooks run.
  return callerRequestIdOf(request.raw) ?? String(request.id);
}

const MAX_TRACKED = 10_000;
const callerIds = new Map<string, string>();

/**
 * The caller's X-Request-Id of a request in flight, by the server's request id: audit rows carry both
 * without every service passing a second id along. Entries live from onRequest to onResponse
 * (bounded, so an aborted request cannot leak memory).
 */
export const callerRequestIds = {
  remember(serverId: string, callerId: string | undefined): void {
    if (callerId === undefined) return;
    if (callerIds.size >= MAX_TRACKED) callerIds.delete(callerIds.keys().next().value as string);
    callerIds.set(serverId, callerId);
  },
  of(serverId: string | null | undefined): string | undefined {
    return serverId ? callerIds.get(serverId) : undefined;
  },
  forget(serverId: string): void {
    callerIds.delete(serverId);
  },
};

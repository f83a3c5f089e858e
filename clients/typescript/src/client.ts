import createClient, { type Client } from 'openapi-fetch';
import { GatewayError, toGatewayError } from './errors.ts';
import type { CodeOfBody, paths, QueryOf, RequestBodyOf, SuccessBodyOf, UserAccess } from './types.ts';

const RECONCILIATION = '/v1/vpds/{vpd}/reconciliation';
type Reconciliation = QueryOf<typeof RECONCILIATION, 'get'>;
const ACCESS_REVIEW = '/v1/vpds/{vpd}/access-review';
type AccessReview = QueryOf<typeof ACCESS_REVIEW, 'get'>;

export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. `https://esr-gateway.example.nhs.uk`. */
  baseUrl: string;
  /** An API key with the `portal` scope (and `ops` for sync control and access reviews). */
  apiKey: string;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof globalThis.fetch;
}

/** The portal user on whose behalf a call is made (`X-Acting-User`): required by the contract for its calls. */
export interface Acting {
  actingUser: string;
}

/** An answer of openapi-fetch: `data` on success, `error` (the documented error bodies) otherwise. */
interface Answer<D, E> {
  data?: D;
  error?: E;
  response: Response;
}

/** A success body (void for an answer without one, such as 204), or GatewayError<the codes the operation documents>. */
type DataOf<A> = A extends Answer<infer D, unknown> ? NonNullable<D> : never;
type Unwrapped<A> = [DataOf<A>] extends [never] ? void : DataOf<A>;
/** The typed error of one operation of the client (e.g. `OperationError<'createEsrMapping'>`). */
export type OperationError<K extends keyof Operations> = GatewayError<
  CodeOfBody<Awaited<ReturnType<Operations[K]>> extends Answer<unknown, infer E> ? E : never>
>;

/** The answer of `getEsrAccess` with an ETag: the access (and its new ETag), or "your copy is current" (304). */
export type AccessAnswer = { notModified: false; access: UserAccess; etag: string | undefined } | { notModified: true; etag: string };

const acting = (actingUser: string) => ({ 'X-Acting-User': actingUser });

/** The operations, path-based on the generated `paths`: parameters and bodies are typed by the document. */
function operations(raw: Client<paths>) {
  const mappings = '/v1/users/{portalUserId}/esr-mappings' as const;
  return {
    listEsrMappings: (a: Acting & { portalUserId: string }) =>
      raw.GET(mappings, { params: { path: { portalUserId: a.portalUserId }, header: acting(a.actingUser) } }),
    createEsrMapping: (a: Acting & { portalUserId: string } & RequestBodyOf<typeof mappings, 'post'>) =>
      raw.POST(mappings, {
        params: { path: { portalUserId: a.portalUserId }, header: acting(a.actingUser) },
        body: { vpd: a.vpd, employeeNumber: a.employeeNumber },
      }),
    /** The look-up before saving: name, active, the role, and whom the record is mapped to (one ESR call, audited). */
    lookUpEsrPerson: (a: Acting & { vpd: string; employeeNumber: string }) =>
      raw.GET('/v1/vpds/{vpd}/people/{employeeNumber}', {
        params: { path: { vpd: a.vpd, employeeNumber: a.employeeNumber }, header: acting(a.actingUser) },
      }),
    deleteEsrMapping: (a: Acting & { portalUserId: string; vpd: string; employeeNumber: string }) =>
      raw.DELETE('/v1/users/{portalUserId}/esr-mappings/{vpd}/{employeeNumber}', {
        params: { path: { portalUserId: a.portalUserId, vpd: a.vpd, employeeNumber: a.employeeNumber }, header: acting(a.actingUser) },
      }),
    deleteAllEsrMappings: (a: Acting & { portalUserId: string }) =>
      raw.DELETE(mappings, { params: { path: { portalUserId: a.portalUserId }, header: acting(a.actingUser) } }),
    importEsrMappings: (a: Acting & RequestBodyOf<'/v1/esr-mappings/import', 'post'>) =>
      raw.POST('/v1/esr-mappings/import', { params: { header: acting(a.actingUser) }, body: { items: a.items } }),
    refreshEsrAccess: (a: { portalUserId: string }) =>
      raw.POST('/v1/users/{portalUserId}/esr-access/refresh', { params: { path: { portalUserId: a.portalUserId } } }),
    getEsrAccessBatch: (body: RequestBodyOf<'/v1/esr-access/batch', 'post'>) => raw.POST('/v1/esr-access/batch', { body }),
    searchCredentials: (a: Acting & { criteria: RequestBodyOf<'/v1/credential-searches', 'post'> }) =>
      raw.POST('/v1/credential-searches', { params: { header: acting(a.actingUser) }, body: a.criteria }),
    /** One page of the reconciliation as JSON (the CSV form is `getReconciliationCsv`). */
    getReconciliation: async (a: Acting & { vpd: string; query?: Reconciliation }) => {
      const answer = await raw.GET(RECONCILIATION, { params: { path: { vpd: a.vpd }, query: a.query, header: acting(a.actingUser) } });
      return { ...answer, data: answer.data as SuccessBodyOf<typeof RECONCILIATION, 'get'> | undefined }; // the JSON form only
    },
    /** The reconciliation as CSV (every page; `Accept: text/csv`). */
    getReconciliationCsv: (a: Acting & { vpd: string; query?: { kind?: Reconciliation['kind'] } }) =>
      raw.GET(RECONCILIATION, {
        params: { path: { vpd: a.vpd }, query: a.query, header: acting(a.actingUser) },
        headers: { Accept: 'text/csv' },
        parseAs: 'text',
      }),
    /** One page of a VPD's access review as JSON (ops scope; audited as ACCESS_REVIEW_EXPORTED). */
    getAccessReview: async (a: Acting & { vpd: string; query?: AccessReview }) => {
      const answer = await raw.GET(ACCESS_REVIEW, { params: { path: { vpd: a.vpd }, query: a.query, header: acting(a.actingUser) } });
      return { ...answer, data: answer.data as SuccessBodyOf<typeof ACCESS_REVIEW, 'get'> | undefined }; // the JSON form only
    },
    /** A VPD's whole access review as CSV (`Accept: text/csv`). */
    getAccessReviewCsv: (a: Acting & { vpd: string }) =>
      raw.GET(ACCESS_REVIEW, {
        params: { path: { vpd: a.vpd }, header: acting(a.actingUser) },
        headers: { Accept: 'text/csv' },
        parseAs: 'text',
      }),
    approveHeldRemovals: (a: Acting & { vpd: string }) =>
      raw.POST('/v1/sync/vpds/{vpd}/held-removals/approve', { params: { path: { vpd: a.vpd }, header: acting(a.actingUser) } }),
    rejectHeldRemovals: (a: Acting & { vpd: string }) =>
      raw.POST('/v1/sync/vpds/{vpd}/held-removals/reject', { params: { path: { vpd: a.vpd }, header: acting(a.actingUser) } }),
    getSyncStatus: () => raw.GET('/v1/sync/status'),
  };
}

type Operations = ReturnType<typeof operations>;

const M = '/v1/users/{portalUserId}/esr-mappings';
/** Each operation's method and path (for errors), and whether repeating it is safe (`withRetry`). */
const CALLS: Record<keyof Operations, { method: string; path: string; idempotent: boolean }> = {
  listEsrMappings: { method: 'GET', path: M, idempotent: true },
  createEsrMapping: { method: 'POST', path: M, idempotent: false },
  lookUpEsrPerson: { method: 'GET', path: '/v1/vpds/{vpd}/people/{employeeNumber}', idempotent: true },
  deleteEsrMapping: { method: 'DELETE', path: `${M}/{vpd}/{employeeNumber}`, idempotent: true },
  deleteAllEsrMappings: { method: 'DELETE', path: M, idempotent: true },
  importEsrMappings: { method: 'POST', path: '/v1/esr-mappings/import', idempotent: false },
  refreshEsrAccess: { method: 'POST', path: '/v1/users/{portalUserId}/esr-access/refresh', idempotent: true },
  getEsrAccessBatch: { method: 'POST', path: '/v1/esr-access/batch', idempotent: true },
  searchCredentials: { method: 'POST', path: '/v1/credential-searches', idempotent: true },
  getReconciliation: { method: 'GET', path: '/v1/vpds/{vpd}/reconciliation', idempotent: true },
  getReconciliationCsv: { method: 'GET', path: '/v1/vpds/{vpd}/reconciliation', idempotent: true },
  getAccessReview: { method: 'GET', path: ACCESS_REVIEW, idempotent: true },
  getAccessReviewCsv: { method: 'GET', path: ACCESS_REVIEW, idempotent: true },
  approveHeldRemovals: { method: 'POST', path: '/v1/sync/vpds/{vpd}/held-removals/approve', idempotent: false },
  rejectHeldRemovals: { method: 'POST', path: '/v1/sync/vpds/{vpd}/held-removals/reject', idempotent: false },
  getSyncStatus: { method: 'GET', path: '/v1/sync/status', idempotent: true },
};

/** Each operation: resolves to its success body, or rejects with its typed GatewayError. */
export type GatewayOperations = {
  [K in keyof Operations]: (...args: Parameters<Operations[K]>) => Promise<Unwrapped<Awaited<ReturnType<Operations[K]>>>>;
};

export interface GatewayClient extends GatewayOperations {
  /** Access of one user; pass the ETag of your cached copy to get `notModified: true` (304) when it is current. */
  getEsrAccess(a: { portalUserId: string; etag?: string }): Promise<AccessAnswer>;
  /** The openapi-fetch client itself, for every path of the document (typed by the generated `paths`). */
  readonly raw: Client<paths>;
}

/** Creates the client: openapi-fetch on the generated `paths`, with the API key as a bearer token. */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const raw = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const ops = operations(raw);
  const client = { raw } as Record<string, unknown>;
  for (const [name, call] of Object.entries(ops) as Array<[keyof Operations, (a: unknown) => Promise<Answer<unknown, unknown>>]>) {
    client[name] = async (a: unknown) => unwrap(await call(a), CALLS[name]);
  }
  client.getEsrAccess = (a: { portalUserId: string; etag?: string }) => getEsrAccess(raw, a);
  return client as unknown as GatewayClient;
}

async function getEsrAccess(raw: Client<paths>, a: { portalUserId: string; etag?: string }): Promise<AccessAnswer> {
  const answer = await raw.GET('/v1/users/{portalUserId}/esr-access', {
    params: { path: { portalUserId: a.portalUserId }, header: a.etag === undefined ? {} : { 'If-None-Match': a.etag } },
  });
  const etag = answer.response.headers.get('etag') ?? undefined;
  if (answer.response.status === 304) return { notModified: true, etag: etag ?? a.etag ?? '' };
  return { notModified: false, access: unwrap(answer, ACCESS), etag };
}

const ACCESS = { method: 'GET', path: '/v1/users/{portalUserId}/esr-access', idempotent: true };

function unwrap<D, E>(answer: Answer<D, E>, call: { method: string; path: string; idempotent: boolean }): NonNullable<D> {
  if (answer.response.ok) return answer.data as NonNullable<D>; // undefined for an answer without a body (204)
  throw toGatewayError(answer.response, answer.error, call);
}

import { PORTAL_USER_ID } from '../domain/identifiers';
import { type ErrorOperation, withErrorResponses } from './error-responses';
import { operationIdFor } from './operation-ids';
import { API_TAGS } from './tags';

/**
 * Document-wide facts the controllers cannot state themselves, applied once to the generated
 * document: servers, tag definitions, stable operationIds, per-operation error answers, the headers
 * every answer carries (X-Request-Id; Retry-After on 429 and 503), the X-Acting-User format, and
 * `additionalProperties: false` on request bodies (the validation pipe forbids unknown fields).
 */
type Schema = Record<string, unknown>;
type Response = { description?: string; headers?: Schema; content?: unknown };
type Parameter = { name?: string; in?: string; schema?: Schema };
type Operation = { operationId?: string; responses?: Record<string, Response>; parameters?: Parameter[]; requestBody?: unknown };
type Doc = { paths?: Record<string, Record<string, unknown>>; components?: { schemas?: Record<string, Schema> } };

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

export const SERVERS = [
  {
    url: '/',
    description: 'The gateway that serves this document, in any environment (local, staging or production)',
    'x-internal': true,
  },
  {
    url: 'https://{host}',
    description: 'A production or staging deployment, e.g. https://esr-gateway.internal (server-to-server only)',
    'x-internal': true,
    variables: { host: { default: 'esr-gateway.internal', description: 'Host name of the deployment' } },
  },
];

export const RESPONSE_HEADERS = {
  'X-Request-Id': {
    description: "The request's id: the caller's X-Request-Id when it sent a well-formed one, else the gateway's own",
    schema: { type: 'string', maxLength: 128 },
  },
};
const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } };

/** Any error an operation's own list does not name, e.g. 415 for a body sent to an operation that takes none. */
export const DEFAULT_RESPONSE = {
  description: 'Any other error, e.g. 413/415 for a body sent to an operation that takes none: the error body names the code',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } },
};

function withHeaders(status: string, response: Response): Response {
  const retry = status === '429' || status === '503' ? RETRY_AFTER : {};
  return { ...response, headers: { ...RESPONSE_HEADERS, ...retry, ...response.headers } };
}

function withParameterFormats(parameter: Parameter): Parameter {
  if (parameter.in !== 'header' || parameter.name?.toLowerCase() !== 'x-acting-user') return parameter;
  const schema = { example: 'lsa.user@nhs.net', ...parameter.schema, type: 'string', pattern: PORTAL_USER_ID.source, maxLength: 128 };
  return { ...parameter, schema };
}

function withFacts(path: string, method: string, given: Operation): Operation {
  const operation = withErrorResponses(path, given as ErrorOperation) as Operation;
  const all = { ...operation.responses, default: DEFAULT_RESPONSE };
  const responses = Object.fromEntries(Object.entries(all).map(([s, r]) => [s, withHeaders(s, r)]));
  return {
    ...operation,
    operationId: operationIdFor(method, path, operation.operationId ?? ''),
    ...(operation.parameters ? { parameters: operation.parameters.map(withParameterFormats) } : {}),
    responses,
  };
}

const refsIn = (value: unknown): string[] =>
  JSON.stringify(value ?? null)
    .match(/#\/components\/schemas\/[^"/]+/g)
    ?.map((ref) => ref.split('/').pop() as string) ?? [];

/** Names of the component schemas a request body uses, directly or through other schemas. */
export function requestSchemaNames(document: Doc): Set<string> {
  const schemas = document.components?.schemas ?? {};
  const pending = Object.values(document.paths ?? {}).flatMap((item) =>
    Object.entries(item).flatMap(([method, op]) => (METHODS.has(method) ? refsIn((op as Operation).requestBody) : [])),
  );
  const found = new Set<string>();
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (found.has(name)) continue;
    found.add(name);
    pending.push(...refsIn(schemas[name]));
  }
  return found;
}

function closedRequestSchemas(document: Doc): Record<string, Schema> {
  const schemas = document.components?.schemas ?? {};
  const closed = requestSchemaNames(document);
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [
      name,
      closed.has(name) && schema.type === 'object' ? { additionalProperties: false, ...schema } : schema,
    ]),
  );
}

/** The document with the facts above; the input is not changed. */
export function declareDocumentFacts<T extends object>(document: T): T {
  const doc = document as Doc;
  const paths = Object.fromEntries(
    Object.entries(doc.paths ?? {}).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item).map(([method, op]) => [method, METHODS.has(method) ? withFacts(path, method, op as Operation) : op]),
      ),
    ]),
  );
  return {
    ...document,
    servers: SERVERS,
    tags: API_TAGS.map((tag) => ({ ...tag })),
    paths,
    components: { ...doc.components, schemas: closedRequestSchemas(doc) },
  };
}

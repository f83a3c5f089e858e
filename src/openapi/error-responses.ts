import { ERROR_CODES_EXTENSION } from '../common/errors/api-errors';
import { ERROR_STATUS, type ErrorCode } from '../common/errors/domain-error';

/**
 * Per-operation error answers: each error status of an operation lists exactly the codes it can give,
 * and its schema narrows `error` to those codes, so a generated client can type its errors per
 * operation. The codes come from three places:
 * - `@ApiErrors('ESR_RECORD_NOT_FOUND', ...)` on a route (one line per route; kept as `x-error-codes`);
 * - the codes an operation's own response descriptions name ("MAPPING_EXISTS: ...");
 * - the layers in front of every controller (IMPLIED_CODES below: auth, request budget, body limits, 500).
 */
type Schema = Record<string, unknown>;
type Response = { description?: string; content?: Record<string, { schema?: Schema }>; headers?: Schema };
export type ErrorOperation = {
  responses?: Record<string, Response>;
  security?: unknown[];
  requestBody?: unknown;
  parameters?: unknown[];
  'x-error-codes'?: string[];
};

const ERROR_REF = '#/components/schemas/ErrorResponseDto';

/** Codes every operation of a kind can give, whatever its controller does. */
export const IMPLIED_CODES = {
  /** Every operation: an unexpected failure. */
  all: ['INTERNAL'],
  /** Operations behind an API key (auth guard, scope guard). */
  secured: ['UNAUTHENTICATED', 'FORBIDDEN'],
  /** Every /v1 operation: the per-key request budget. */
  v1: ['RATE_LIMITED'],
  /** Operations with parameters or a body: DTO and header validation. */
  validated: ['VALIDATION_FAILED'],
  /** Operations with a body: body limit and JSON-only bodies. */
  withBody: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'],
} as const satisfies Record<string, readonly ErrorCode[]>;

/** Words for a status no decorator describes. */
const DESCRIBED: Partial<Record<ErrorCode, string>> = {
  INTERNAL: 'INTERNAL: an unexpected failure (requestId lets support find it in the logs)',
  UNAUTHENTICATED: 'UNAUTHENTICATED: missing or unknown API key',
  FORBIDDEN: 'FORBIDDEN: the API key lacks the scope this operation needs',
  VALIDATION_FAILED: 'VALIDATION_FAILED: a parameter, header or body field is not valid (details name it)',
  DEPENDENCY_UNAVAILABLE: 'DEPENDENCY_UNAVAILABLE: the database or Redis is down',
};

const isCode = (word: string): word is ErrorCode => Object.hasOwn(ERROR_STATUS, word);

function codesNamedIn(responses: Record<string, Response>): string[] {
  return Object.entries(responses).flatMap(([status, response]) =>
    (String(response.description ?? '').match(/\b[A-Z][A-Z_]+[A-Z]\b/g) ?? []).filter(
      (word) => isCode(word) && String(ERROR_STATUS[word]) === status,
    ),
  );
}

/** Every code an operation can answer with (see above), in ERROR_STATUS order. */
export function errorCodesOf(path: string, operation: ErrorOperation): ErrorCode[] {
  const found = new Set<string>([
    ...(operation[ERROR_CODES_EXTENSION] ?? []),
    ...codesNamedIn(operation.responses ?? {}),
    ...IMPLIED_CODES.all,
    ...(operation.security?.length ? IMPLIED_CODES.secured : []),
    ...(path.startsWith('/v1/') ? IMPLIED_CODES.v1 : []),
    ...((operation.parameters?.length ?? 0) > 0 || operation.requestBody ? IMPLIED_CODES.validated : []),
    ...(operation.requestBody ? IMPLIED_CODES.withBody : []),
  ]);
  return (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => found.has(code));
}

const narrowed = (codes: ErrorCode[]): Schema => ({
  allOf: [{ $ref: ERROR_REF }, { type: 'object', required: ['error'], properties: { error: { type: 'string', enum: codes } } }],
});

function isErrorBody(response: Response | undefined): boolean {
  const schema = response?.content?.['application/json']?.schema;
  return !response?.content || schema?.$ref === ERROR_REF || Array.isArray(schema?.allOf);
}

/** The operation with one response per error status, each narrowed to its codes; the input is not changed. */
export function withErrorResponses(path: string, operation: ErrorOperation): ErrorOperation {
  const responses: Record<string, Response> = { ...operation.responses };
  const byStatus = new Map<string, ErrorCode[]>();
  for (const code of errorCodesOf(path, operation)) {
    const status = String(ERROR_STATUS[code]);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of byStatus) {
    const given = responses[status];
    if (given && !isErrorBody(given)) continue;
    responses[status] = {
      ...given,
      description: given?.description || codes.map((code) => DESCRIBED[code] ?? code).join('; or '),
      content: { 'application/json': { schema: narrowed(codes) } },
    };
  }
  return { ...operation, responses };
}

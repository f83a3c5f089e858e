/**
 * Answers every /v1 operation can give whatever its controller says, because they come from layers in
 * front of it: the per-API-key request budget (429, RequestBudgetGuard) on every operation, and for
 * every operation that takes a body the body limit (413) and JSON-only bodies (415, HTTP hardening).
 * Declared once here so the document tells the truth about them on every operation.
 */
type Schema = Record<string, unknown>;
type Responses = Record<string, Schema>;
type Operation = { responses?: Responses; security?: unknown[]; requestBody?: unknown };

const ERROR_BODY = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } };
const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } } };

export const REQUEST_BUDGET = "RATE_LIMITED: this API key's request budget for the minute is used up (API_RATE_LIMIT_PER_MINUTE)";

const COMMON_BODY_ERRORS: Responses = {
  '413': { description: 'PAYLOAD_TOO_LARGE: the body is over 64 KiB', content: ERROR_BODY },
  '415': { description: 'UNSUPPORTED_MEDIA_TYPE: a body that is not Content-Type: application/json', content: ERROR_BODY },
};

function withCommonResponses(operation: Operation): Operation {
  const responses: Responses = { ...operation.responses };
  const limited = responses['429'];
  responses['429'] = limited
    ? { ...limited, description: `${String(limited.description)}; or ${REQUEST_BUDGET}` }
    : { description: REQUEST_BUDGET, headers: RETRY_AFTER, content: ERROR_BODY };
  if (operation.requestBody) for (const [status, response] of Object.entries(COMMON_BODY_ERRORS)) responses[status] ??= response;
  return { ...operation, responses };
}

/** The document with the common answers declared on every /v1 operation; the input is not changed. */
export function declareCommonResponses<T extends object>(document: T): T {
  const { paths: given = {} } = document as { paths?: Record<string, Record<string, unknown>> };
  const paths = Object.fromEntries(
    Object.entries(given).map(([path, item]) => [
      path,
      path.startsWith('/v1/')
        ? Object.fromEntries(
            Object.entries(item).map(([method, op]) => [
              method,
              op && typeof op === 'object' && 'responses' in op ? withCommonResponses(op as Operation) : op,
            ]),
          )
        : item,
    ]),
  );
  return { ...document, paths };
}

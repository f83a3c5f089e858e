import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The committed OpenAPI document (the same the service publishes at /openapi.json: test/openapi checks that). */
export const OPENAPI_PATH = resolve(__dirname, '../../openapi.json');

export interface OpenApiOperation {
  method: string;
  /** Path template, e.g. /v1/users/{portalUserId}/esr-mappings. */
  path: string;
  operationId: string;
  parameters: Array<{ name: string; in: string; required?: boolean; schema?: Record<string, unknown> }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  security?: unknown[];
}

export interface ResponseToCheck {
  method: string;
  /** Path with or without query string, as sent. */
  url: string;
  status: number;
  headers?: Record<string, unknown>;
  /** Parsed JSON body, raw text, or undefined for an empty body. */
  body: unknown;
}

export interface Violation {
  operation: string;
  status: number;
  problem: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * Checks responses against the published OpenAPI document: the status must be declared for the
 * operation, and a JSON body must match the declared schema (OpenAPI 3.0: `nullable`, formats). Usable
 * by any e2e spec: `validator.check({ method, url, status, body })` returns the violations (empty when
 * the document tells the truth), and `validator.seen`/`validator.violations` keep a running tally.
 */
export class OpenApiResponseValidator {
  readonly document: Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };
  readonly operations: OpenApiOperation[];
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly matchers: Array<{ regex: RegExp; op: OpenApiOperation }>;
  /** Responses checked so far, and the violations found. */
  seen = 0;
  readonly violations: Violation[] = [];

  /** `source`: a path to the document, or the document itself (e.g. as the running app publishes it). */
  constructor(source: string | Record<string, unknown> = OPENAPI_PATH) {
    this.document = (
      typeof source === 'string' ? JSON.parse(readFileSync(source, 'utf8')) : structuredClone(source)
    ) as typeof this.document;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ components: this.document.components }, 'openapi.json');
    this.operations = [];
    for (const [path, item] of Object.entries(this.document.paths)) {
      for (const method of METHODS) {
        const op = item[method] as Omit<OpenApiOperation, 'method' | 'path'> | undefined;
        if (op) this.operations.push({ ...op, parameters: op.parameters ?? [], method: method.toUpperCase(), path });
      }
    }
    // Literal segments win over parameters (as in the router): sort by the number of parameters.
    this.matchers = this.operations
      .map((op) => ({
        op,
        params: (op.path.match(/\{/g) ?? []).length,
        regex: new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      }))
      .sort((a, b) => a.params - b.params)
      .map(({ regex, op }) => ({ regex, op }));
  }

  /** The operation a request reaches, or undefined when the document has none. */
  operationFor(method: string, url: string): OpenApiOperation | undefined {
    const path = url.split('?')[0];
    return this.matchers.find((m) => m.op.method === method.toUpperCase() && m.regex.test(path))?.op;
  }

  /** Violations of one response (also added to the running tally). */
  check(response: ResponseToCheck): Violation[] {
    this.seen++;
    const found = this.problems(response);
    this.violations.push(...found);
    return found;
  }

  /** Throws with every problem when the response does not match the document. */
  assert(response: ResponseToCheck): void {
    const found = this.check(response);
    if (found.length) throw new Error(`OpenAPI document does not describe this response:\n${JSON.stringify(found, null, 2)}`);
  }

  /**
   * Problems the document finds with a request body the service accepted (a 2xx answer): a document
   * that refuses what the service takes makes schema-validating clients and proxies refuse it too.
   */
  checkAcceptedRequest(method: string, url: string, body: unknown): Violation[] {
    const op = this.operationFor(method, url);
    const schema = op?.requestBody?.content?.['application/json']?.schema;
    if (!op || !schema) return [];
    const operation = `${op.method} ${op.path}`;
    const validate = this.validatorFor(`${operation} request`, schema);
    const found = validate(body)
      ? []
      : (validate.errors ?? []).map((e) => ({
          operation,
          status: 0,
          problem: `request ${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}, yet the service accepted it`,
        }));
    this.violations.push(...found);
    return found;
  }

  private problems(response: ResponseToCheck): Violation[] {
    const op = this.operationFor(response.method, response.url);
    const name = `${response.method.toUpperCase()} ${response.url.split('?')[0]}`;
    if (!op) return [{ operation: name, status: response.status, problem: 'no such operation in the document' }];
    const operation = `${op.method} ${op.path}`;
    const declared = op.responses[String(response.status)] ?? op.responses.default;
    if (!declared) return [{ operation, status: response.status, problem: `status ${response.status} is not declared` }];
    const header = response.headers?.['content-type'];
    const contentType = (typeof header === 'string' ? header : 'application/json').split(';')[0];
    const schema = declared.content?.[contentType]?.schema ?? (contentType === 'application/json' ? undefined : null);
    if (schema === null) {
      if (declared.content && Object.keys(declared.content).length > 0)
        return [{ operation, status: response.status, problem: `content type ${contentType} is not declared` }];
      return [];
    }
    if (schema === undefined) {
      const empty = response.body === undefined || response.body === '' || response.body === null;
      return empty || !declared.content
        ? []
        : [{ operation, status: response.status, problem: 'a JSON body is declared without a schema' }];
    }
    const validate = this.validatorFor(`${operation} ${response.status} ${contentType}`, schema);
    if (validate(response.body)) return [];
    return (validate.errors ?? []).map((e) => ({
      operation,
      status: response.status,
      problem: `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    }));
  }

  private validatorFor(key: string, schema: Record<string, unknown>): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema));
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

/** Points local `#/components/...` references at the registered document. */
function rebase(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi.json#/components/'));
}

/** The JSON body of an inject() or fetch answer, or the raw text when it is not JSON, or undefined when empty. */
export function bodyOf(payload: string): unknown {
  if (payload === '') return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** The copy of the ESR contract committed with the tests (CI has shared/ beside the clone too). */
export const CONTRACT_COPY_PATH = path.resolve(__dirname, '../../docs/contracts/esr-api.yaml');
/** The fixed upstream contract, beside the repository. */
export const SHARED_CONTRACT_PATH = path.resolve(__dirname, '../../../shared/contracts/esr-api.yaml');

const DOC_ID = 'esr-api.yaml';

type Json = Record<string, unknown>;

export interface ContractResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** JSON-pointer segment escaping (RFC 6901). */
const escape = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Validates answers against the OpenAPI 3.1 contract: the status must be one the operation
 * documents, the body must match that response's schema (JSON Schema 2020-12, formats included),
 * and every header the response documents must be present and match its schema.
 */
export class EsrContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly doc: Json;

  constructor(file = CONTRACT_COPY_PATH) {
    this.doc = parse(readFileSync(file, 'utf8')) as Json;
    addFormats(this.ajv);
    this.ajv.addSchema(this.doc, DOC_ID);
  }

  /** Problems with an answer (empty when it conforms). `route` is the contract's path template. */
  problems(route: string, method: 'get' | 'post', response: ContractResponse): string[] {
    const operation = this.resolve(['paths', route, method]);
    if (!operation) return [`the contract has no ${method.toUpperCase()} ${route}`];
    const responses = operation.responses as Json;
    if (!(String(response.status) in responses))
      return [`status ${response.status} is not documented for ${method.toUpperCase()} ${route}`];
    let pointer = ['paths', route, method, 'responses', String(response.status)];
    let definition = responses[String(response.status)] as Json;
    if (typeof definition.$ref === 'string') {
      pointer = definition.$ref.replace(/^#\//, '').split('/');
      definition = this.resolve(pointer) as Json;
    }
    const problems: string[] = [];
    const content = definition.content as Json | undefined;
    if (content?.['application/json']) {
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.startsWith('application/json')) problems.push(`content-type is ${contentType || 'missing'}`);
      problems.push(...this.validate([...pointer, 'content', 'application/json', 'schema'], response.body, 'body'));
    }
    for (const [name, header] of Object.entries((definition.headers ?? {}) as Json)) {
      const headerPointer =
        typeof (header as Json).$ref === 'string'
          ? ((header as Json).$ref as string).replace(/^#\//, '').split('/')
          : [...pointer, 'headers', name];
      const schema = this.resolve([...headerPointer, 'schema']) as Json;
      const value = response.headers.get(name);
      if (value === null) {
        problems.push(`header ${name} is missing`);
        continue;
      }
      const typed = schema.type === 'integer' ? (/^-?\d+$/.test(value) ? Number(value) : value) : value;
      problems.push(...this.validate([...headerPointer, 'schema'], typed, `header ${name}`));
    }
    return problems;
  }

  /** Problems of a value against a schema of the document, by its path (e.g. components/schemas/Person). */
  validate(pointer: string[], value: unknown, label = 'value'): string[] {
    const ref = `${DOC_ID}#/${pointer.map(escape).join('/')}`;
    const check = this.ajv.getSchema(ref);
    if (!check) return [`no schema at ${ref}`];
    if (check(value)) return [];
    return (check.errors ?? []).map((e: ErrorObject) => `${label}${e.instancePath} ${e.message ?? 'is invalid'}`);
  }

  /** Problems of one item against a named component schema. */
  schemaProblems(name: string, value: unknown): string[] {
    return this.validate(['components', 'schemas', name], value, name);
  }

  private resolve(pointer: string[]): Json | undefined {
    let node: unknown = this.doc;
    for (const segment of pointer) {
      if (typeof node !== 'object' || node === null) return undefined;
      node = (node as Json)[segment];
    }
    return node as Json | undefined;
  }
}

/** fetch, returning the status, headers and body (parsed when JSON). */
export async function call(url: string, init: RequestInit = {}): Promise<ContractResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
  return { status: response.status, headers: response.headers, body: isJson ? (JSON.parse(text) as unknown) : text };
}

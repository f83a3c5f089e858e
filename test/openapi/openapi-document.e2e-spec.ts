import { readFileSync } from 'node:fs';
import { ERROR_STATUS } from '../../src/common/errors/domain-error';
import { OPERATION_IDS } from '../../src/openapi/operation-ids';
import { OPENAPI_PATH } from '../support/openapi-validator';

type Schema = Record<string, unknown>;
type Response = { headers?: Schema; content?: Record<string, { schema?: Schema }> };
type Operation = { operationId: string; tags?: string[]; security?: unknown[]; requestBody?: unknown; responses: Record<string, Response> };

const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as {
  openapi: string;
  servers?: unknown[];
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, op })),
);
const errorEnum = (response: Response): string[] | undefined =>
  ((response.content?.['application/json']?.schema?.allOf as Schema[] | undefined)?.[1]?.properties as { error?: { enum?: string[] } })
    ?.error?.enum;

describe('The published OpenAPI document (openapi.json)', () => {
  it('should be OpenAPI 3.1 with servers and a described definition of every tag it uses', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers?.length).toBeGreaterThan(0);
    const defined = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description]));
    for (const { op } of operations) for (const tag of op.tags ?? []) expect(defined.get(tag)).toEqual(expect.any(String));
    for (const tag of defined.keys()) expect(tag).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it('should describe every schema and every field', () => {
    const undescribed = Object.entries(doc.components.schemas).flatMap(([name, schema]) => [
      ...(schema.description ? [] : [name]),
      ...Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})
        .filter(([, property]) => !property.description)
        .map(([field]) => `${name}.${field}`),
    ]);
    expect(undescribed).toEqual([]);
  });

  it('should give every operation its operationId from the table', () => {
    for (const { key, op } of operations) expect({ key, operationId: op.operationId }).toEqual({ key, operationId: OPERATION_IDS[key] });
  });

  it('should declare 500 and a default error on every operation, 401 on secured ones and 413/415 only where there is a body', () => {
    for (const { key, op } of operations) {
      const statuses = Object.keys(op.responses);
      expect({ key, has500: statuses.includes('500'), default: statuses.includes('default') }).toEqual({
        key,
        has500: true,
        default: true,
      });
      if (op.security?.length) expect({ key, has401: statuses.includes('401') }).toEqual({ key, has401: true });
      const bodyErrors = statuses.filter((s) => s === '413' || s === '415');
      expect({ key, bodyErrors }).toEqual({ key, bodyErrors: op.requestBody ? ['413', '415'] : [] });
    }
  });

  it('should declare X-Request-Id on every answer and Retry-After on every 429 and 503', () => {
    for (const { key, op } of operations)
      for (const [status, response] of Object.entries(op.responses)) {
        const headers = Object.keys(response.headers ?? {});
        expect({ key, status, requestId: headers.includes('X-Request-Id') }).toEqual({ key, status, requestId: true });
        if (status === '429' || status === '503')
          expect({ key, status, retryAfter: headers.includes('Retry-After') }).toEqual({ key, status, retryAfter: true });
      }
  });

  it('should narrow every error answer to codes of its own status', () => {
    for (const { key, op } of operations)
      for (const [status, response] of Object.entries(op.responses)) {
        const codes = errorEnum(response);
        if (status === 'default' || Number(status) < 400 || (key === 'GET /health/ready' && status === '503')) continue;
        expect({ key, status, codes: codes?.length }).toEqual({ key, status, codes: expect.any(Number) });
        for (const code of codes ?? [])
          expect({ key, code, status: ERROR_STATUS[code as keyof typeof ERROR_STATUS] }).toEqual({ key, code, status: Number(status) });
      }
  });
});

/** Problems with one request schema: strings bounded and restricted, arrays bounded, integers bounded. */
function unbounded(where: string, schema: Schema | undefined, schemas: Record<string, Schema>, seen = new Set<string>()): string[] {
  if (!schema) return [];
  const ref = schema.$ref as string | undefined;
  if (ref) {
    if (seen.has(ref)) return [];
    seen.add(ref);
    const [name, ...rest] = ref.replace('#/components/schemas/', '').split('/');
    const target = rest.reduce<Schema | undefined>((node, key) => node?.[key] as Schema | undefined, schemas[name]);
    return unbounded(where, target, schemas, seen);
  }
  const types = ([] as unknown[]).concat(schema.type ?? []);
  const problems: string[] = [];
  if (types.includes('string') && !schema.enum && !schema.const) {
    if (schema.maxLength === undefined && !['uuid', 'date', 'date-time'].includes(String(schema.format)))
      problems.push(`${where}: no maxLength`);
    if (!schema.pattern && !schema.format) problems.push(`${where}: no pattern or format`);
  }
  if (types.includes('array') && schema.maxItems === undefined) problems.push(`${where}: no maxItems`);
  if (types.includes('integer') && (schema.minimum === undefined || schema.maximum === undefined))
    problems.push(`${where}: no minimum/maximum`);
  for (const [name, child] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}))
    problems.push(...unbounded(`${where}.${name}`, child, schemas, seen));
  for (const key of ['items'] as const) problems.push(...unbounded(`${where}[]`, schema[key] as Schema | undefined, schemas, seen));
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const)
    for (const branch of (schema[key] as Schema[] | undefined) ?? []) problems.push(...unbounded(where, branch, schemas, seen));
  return problems;
}

describe('Requests in the published OpenAPI document', () => {
  it('should bound every request string, array and integer (the OWASP string/array/integer limits, for requests)', () => {
    const problems = operations.flatMap(({ key, op }) => [
      ...((op as { parameters?: Array<{ name: string; schema?: Schema }> }).parameters ?? []).flatMap((p) =>
        unbounded(`${key} ${p.name}`, p.schema, doc.components.schemas),
      ),
      ...unbounded(
        `${key} body`,
        (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content?.['application/json']?.schema,
        doc.components.schemas,
      ),
    ]);
    expect(problems).toEqual([]);
  });
});

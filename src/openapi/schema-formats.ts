import { ASSIGNMENT_NUMBER, EMPLOYEE_NUMBER, NI_NUMBER, PORTAL_USER_ID, VPD } from '../domain/identifiers';

/**
 * Formats @nestjs/swagger cannot infer from TypeScript types, stated once for the whole document:
 * - the gateway API has no fractional numbers: every number it sends or takes is a whole number
 *   (counts, indexes, attempts, durations in ms, HTTP statuses, page limits), all far below 2^31, so
 *   `number` is published as `integer`, format int32 (SDKs in Java, C#, Go otherwise generate floats);
 * - every timestamp field (`...At`, `asOf`, `effectiveFrom`, `effectiveUntil`, `heldSince`, and the audit
 *   query's `from`/`to`) is an RFC 3339 date-time, which is what the service writes (toISOString);
 * - a string with an identifier pattern (VPD, employee number, ...) gets the maxLength the pattern implies.
 */
type Schema = Record<string, unknown>;

/** The longest value each identifier pattern of src/domain/identifiers.ts admits (stated beside the pattern). */
const IDENTIFIER_MAX_LENGTH: ReadonlyMap<string, number> = new Map([
  [VPD.source, 3],
  [EMPLOYEE_NUMBER.source, 8],
  [ASSIGNMENT_NUMBER.source, 11],
  [NI_NUMBER.source, 9],
  [PORTAL_USER_ID.source, 128],
]);

export const TIMESTAMP_FIELD = /^(\w+At|asOf|effectiveFrom|effectiveUntil|heldSince|from|to)$/;

const isStringType = (type: unknown): boolean => type === 'string' || (Array.isArray(type) && type.includes('string'));

function integerType(type: unknown): unknown {
  if (type === 'number') return 'integer';
  return Array.isArray(type) ? type.map((t: unknown) => (t === 'number' ? 'integer' : t)) : type;
}

function withTimestampFormat(name: string, schema: Schema): Schema {
  return TIMESTAMP_FIELD.test(name) && isStringType(schema.type) && !schema.format && !schema.enum
    ? { ...schema, format: 'date-time' }
    : schema;
}

function rewrite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewrite);
  if (!value || typeof value !== 'object') return value;
  const node = value as Schema;
  const out: Schema = {};
  for (const [key, child] of Object.entries(node)) {
    if (key === 'properties' && child && typeof child === 'object' && !Array.isArray(child))
      out[key] = Object.fromEntries(
        Object.entries(child as Schema).map(([name, s]) => [name, rewrite(withTimestampFormat(name, s as Schema))]),
      );
    else out[key] = rewrite(child);
  }
  if ('type' in out) out.type = integerType(out.type);
  const maxLength = typeof node.pattern === 'string' ? IDENTIFIER_MAX_LENGTH.get(node.pattern) : undefined;
  if (maxLength !== undefined) out.maxLength ??= maxLength;
  if (out.type === 'integer' || (Array.isArray(out.type) && out.type.includes('integer'))) out.format ??= 'int32';
  if (node.in === 'query' && typeof node.name === 'string' && node.schema)
    out.schema = withTimestampFormat(node.name, out.schema as Schema);
  return out;
}

/** The document with integers and timestamp formats as above; the input is not changed. */
export function declareSchemaFormats<T extends object>(document: T): T {
  return rewrite(document) as T;
}

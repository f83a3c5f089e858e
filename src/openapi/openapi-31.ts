/**
 * Publishes the document as OpenAPI 3.1 (JSON Schema 2020-12): @nestjs/swagger writes 3.0's
 * `nullable: true`, which 3.1 does not know; here it becomes a `null` in the type array (and in an
 * `enum`, which would otherwise still refuse null). The "null only" branch of a nullable reference
 * (see nullable-refs.ts) becomes `{ type: 'null' }`.
 */
type Schema = Record<string, unknown>;

function withoutNullable(schema: Schema): Schema {
  const { nullable: _nullable, ...rest } = schema;
  void _nullable;
  const enumValues = rest.enum as unknown[] | undefined;
  if (enumValues && enumValues.length === 1 && enumValues[0] === null) {
    const { enum: _enum, type: _type, ...others } = rest;
    void _enum;
    void _type;
    return { ...others, type: 'null' };
  }
  const out: Schema = { ...rest };
  if (typeof rest.type === 'string') out.type = [rest.type, 'null'];
  if (enumValues && !enumValues.includes(null)) out.enum = [...enumValues, null];
  return out;
}

function rewrite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewrite);
  if (!value || typeof value !== 'object') return value;
  const schema = value as Schema;
  const base = schema.nullable === true ? withoutNullable(schema) : schema;
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, rewrite(v)]));
}

/** The document as OpenAPI 3.1.0; the input is not changed. */
export function toOpenApi31<T extends object>(document: T): T {
  return { ...(rewrite(document) as T), openapi: '3.1.0' };
}

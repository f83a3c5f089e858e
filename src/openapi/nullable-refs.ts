/**
 * @nestjs/swagger writes a nullable property of a DTO type as
 * `{ nullable: true, type: 'object', allOf: [{ $ref }] }`. In OpenAPI 3.0 `nullable` only widens the
 * `type` beside it, and the `allOf` still demands the referenced object, so validators (and generated
 * clients) refuse the `null` the service sends. This rewrites each such property to the form OpenAPI
 * 3.0 reads as "the object, or null": `oneOf: [{ $ref }, { type: 'object', nullable: true, enum: [null] }]`.
 */
export const NULL_ONLY = { type: 'object', nullable: true, enum: [null] } as const;

type Schema = Record<string, unknown>;

function isNullableRef(schema: Schema): boolean {
  const allOf = schema.allOf;
  return (
    schema.nullable === true &&
    Array.isArray(allOf) &&
    allOf.length === 1 &&
    typeof (allOf[0] as Schema | undefined)?.$ref === 'string' &&
    (schema.type === undefined || schema.type === 'object')
  );
}

function rewrite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewrite);
  if (!value || typeof value !== 'object') return value;
  const schema = value as Schema;
  if (isNullableRef(schema)) {
    const { allOf, nullable: _nullable, type: _type, ...rest } = schema;
    void _nullable;
    void _type;
    return { ...rest, oneOf: [(allOf as Schema[])[0], { ...NULL_ONLY, enum: [null] }] };
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, rewrite(v)]));
}

/** The document with every nullable object reference made truthful (see above); the input is not changed. */
export function fixNullableRefs<T extends object>(document: T): T {
  return rewrite(document) as T;
}

import fc from 'fast-check';
import type { GatewayRequest } from '../support/checked-client';
import type { OpenApiOperation } from '../support/openapi-validator';
import { anyHeaderValue, anyString, percentEncode } from './fuzz-values';

type Schema = Record<string, unknown>;

/** What the fuzz knows about the running gateway, so part of what it sends gets past the first check. */
export interface FuzzContext {
  /** The document's components (for $ref). */
  components: Record<string, Schema>;
  keys: { both: string; portal: string; ops: string };
  /** Known-good values by field or parameter name (`portalUserIds[]` for the items of a list). */
  known: Record<string, string[]>;
  /** The body limit in bytes (sizes are tried just under and just over it). */
  bodyLimit: number;
  /** Bodies known to be accepted, by "METHOD /path": sent as they are and slightly broken. */
  examples: Record<string, unknown[]>;
}

/** One fuzzed request and a few words on how it was made (shown when the property fails). */
export interface FuzzCase {
  request: GatewayRequest;
  variant: string;
}

const resolveRef = (schema: Schema, components: Record<string, Schema>): Schema =>
  typeof schema.$ref === 'string' ? resolveRef(components[schema.$ref.split('/').pop() as string] ?? {}, components) : schema;

/** Values shaped by a JSON schema, mixed with the known-good values for the field's name. */
export function fromSchema(raw: Schema, ctx: FuzzContext, name?: string, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolveRef(raw, ctx.components);
  const known = name ? ctx.known[name] : undefined;
  const shaped = shapedBy(schema, ctx, name, depth);
  const mixed = known?.length
    ? fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 3 }, { arbitrary: shaped, weight: 2 }, { arbitrary: anyString, weight: 1 })
    : shaped;
  return schema.nullable ? fc.option(mixed, { nil: null, freq: 6 }) : mixed;
}

function shapedBy(schema: Schema, ctx: FuzzContext, name: string | undefined, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.oneOf)) return fc.oneof(...(schema.oneOf as Schema[]).map((s) => fromSchema(s, ctx, name, depth + 1)));
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) return fromSchema(schema.allOf[0] as Schema, ctx, name, depth + 1);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'string':
      if (typeof schema.pattern === 'string') return fc.oneof(fc.stringMatching(new RegExp(schema.pattern)), anyString);
      if (schema.format === 'date')
        return fc
          .date({ min: new Date('1890-01-01'), max: new Date('2100-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10));
      if (schema.format === 'uuid') return fc.uuid();
      return fc.oneof(
        fc.string({ minLength: Number(schema.minLength ?? 0), maxLength: Math.min(Number(schema.maxLength ?? 40), 120) }),
        anyString,
      );
    case 'integer':
    case 'number':
      return fc.oneof(
        fc.integer({ min: Number(schema.minimum ?? -1000), max: Number(schema.maximum ?? 1_000_000) }),
        fc.constantFrom(-1, 0, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER),
      );
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = fromSchema((schema.items as Schema | undefined) ?? {}, ctx, name ? `${name}[]` : undefined, depth + 1);
      const min = Number(schema.minItems ?? 0);
      return fc.array(items, { minLength: min, maxLength: Math.max(min, Math.min(Number(schema.maxItems ?? 8), 8)) });
    }
    case 'object':
    default: {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      if (depth > 4 || Object.keys(properties).length === 0) return schema.type === 'object' ? fc.object({ maxDepth: 1 }) : fc.jsonValue();
      const required = ((schema.required as string[] | undefined) ?? []).filter((k) => k in properties);
      const record = Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, fromSchema(s, ctx, k, depth + 1)]));
      return fc.record(record, { requiredKeys: required });
    }
  }
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON'];
const OTHER_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  'application/vnd.api+json',
  'application/json-patch+json',
  'application/octet-stream',
  '*/*',
  'json',
  ';',
];

interface Body {
  payload?: unknown;
  contentType?: string;
  variant: string;
}

const asForm = (value: unknown): string =>
  value && typeof value === 'object'
    ? new URLSearchParams(
        Object.entries(value).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : String(JSON.stringify(v))]),
      ).toString()
    : String(value);

/** A JSON text of exactly `bytes` bytes: an object holding `value` and a padding field. */
function sized(value: unknown, bytes: number): string {
  const base = JSON.stringify({ ...(value && typeof value === 'object' && !Array.isArray(value) ? value : { value }), padding: '' });
  return `${base.slice(0, -2)}${'x'.repeat(Math.max(0, bytes - Buffer.byteLength(base)))}"}`;
}

/** A known-good body as it is, or with one field dropped, replaced by anything, or one field added. */
function nearly(example: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(example);
  if (keys.length === 0) return fc.constant(example);
  const key = fc.constantFrom(...keys);
  return fc.oneof(
    fc.constant(example),
    key.map((k) => Object.fromEntries(Object.entries(example).filter(([name]) => name !== k))),
    fc.tuple(key, fc.oneof(anyString, fc.jsonValue({ maxDepth: 1 }))).map(([k, v]) => ({ ...example, [k]: v })),
    fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'firstName', ''), fc.jsonValue({ maxDepth: 1 })).map(([k, v]) => ({
      ...example,
      [k]: v,
    })),
  );
}

/** Bodies for one operation: valid-shaped or arbitrary JSON, other content types, none, sizes around the limit. */
function bodies(op: OpenApiOperation, ctx: FuzzContext): fc.Arbitrary<Body> {
  const schema = op.requestBody?.content['application/json']?.schema;
  const examples = (ctx.examples[`${op.method} ${op.path}`] ?? []) as Array<Record<string, unknown>>;
  const fromDocument = schema ? fromSchema(schema, ctx) : fc.jsonValue({ maxDepth: 2 });
  const known = examples.length ? fc.constantFrom(...examples).chain(nearly) : undefined;
  const shaped = known ? fc.oneof(fromDocument, known) : fromDocument;
  const json = (value: unknown, contentType: string, variant: string): Body =>
    // Objects and lists go as objects (the checked client then also checks accepted bodies against the document).
    value !== null && typeof value === 'object'
      ? { payload: value, contentType, variant }
      : { payload: JSON.stringify(value) ?? 'null', contentType, variant };
  const variants: Array<{ arbitrary: fc.Arbitrary<Body>; weight: number }> = [
    ...(known ? [{ arbitrary: known.map((v) => json(v, 'application/json', 'known-good JSON, maybe slightly broken')), weight: 8 }] : []),
    {
      arbitrary: fc.tuple(shaped, fc.constantFrom(...JSON_TYPES)).map(([v, t]) => json(v, t, 'valid-shaped JSON')),
      weight: schema ? 6 : 1,
    },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => json(v, 'application/json', 'arbitrary JSON')), weight: 3 },
    {
      arbitrary: fc.tuple(shaped, fc.constantFrom(...OTHER_TYPES)).map(([v, t]) => ({
        payload: t.includes('form') ? asForm(v) : (JSON.stringify(v) ?? ''),
        contentType: t,
        variant: `JSON-ish body as ${t}`,
      })),
      weight: 2,
    },
    { arbitrary: shaped.map((v) => ({ payload: JSON.stringify(v) ?? 'x', variant: 'body without Content-Type' })), weight: 1 },
    {
      arbitrary: fc.tuple(shaped, fc.nat()).map(([v, cut]) => {
        const text = JSON.stringify(v) ?? '{';
        return {
          payload: text.slice(0, cut % Math.max(1, text.length)) + '\u0000',
          contentType: 'application/json',
          variant: 'broken JSON',
        };
      }),
      weight: 1,
    },
    { arbitrary: anyString.map((s) => ({ payload: s, contentType: 'application/json', variant: 'a string as JSON' })), weight: 1 },
    {
      arbitrary: fc.tuple(shaped, fc.integer({ min: 1, max: 256 })).map(([v, under]) => ({
        payload: sized(v, ctx.bodyLimit - under),
        contentType: 'application/json',
        variant: `${under} B under the body limit`,
      })),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(shaped, fc.integer({ min: 1, max: 4096 }), fc.constantFrom('application/json', 'text/plain'))
        .map(([v, over, t]) => ({
          payload: sized(v, ctx.bodyLimit + over),
          contentType: t,
          variant: `${over} B over the body limit (${t})`,
        })),
      weight: 1,
    },
  ];
  if (schema && op.requestBody?.required) variants.push({ arbitrary: fc.constant({ variant: 'no body' }), weight: 1 });
  if (!schema) variants.unshift({ arbitrary: fc.constant({ variant: 'no body' }), weight: 8 });
  return fc.oneof(...variants);
}

/** A value for a path parameter, encoded as a client would (or, rarely, broken encodings sent as is). */
function pathValue(name: string, schema: Schema, ctx: FuzzContext): fc.Arbitrary<string> {
  const known = ctx.known[name] ?? [];
  const shaped =
    typeof schema.pattern === 'string' ? fc.stringMatching(new RegExp(schema.pattern)) : schema.format === 'uuid' ? fc.uuid() : anyString;
  const encode = (s: string) => percentEncode(s) || '%20';
  return fc.oneof(
    { arbitrary: known.length ? fc.constantFrom(...known).map(encode) : shaped.map(encode), weight: 4 },
    { arbitrary: shaped.map(encode), weight: 2 },
    { arbitrary: anyString.map(encode), weight: 2 },
    { arbitrary: fc.integer({ min: 400, max: 700 }).map((n) => 'a'.repeat(n)), weight: 1 },
    { arbitrary: fc.constantFrom('%ZZ', '%', '%E0%A4%A', '%00', '%2F', '%2F..%2F', '%C0%AE', '%FF%FE'), weight: 1 },
  );
}

const authorization = (op: OpenApiOperation, ctx: FuzzContext): fc.Arbitrary<string | undefined> => {
  const scope = /lacks the '(\w+)' scope/.exec(String((op.responses['403'] as { description?: string } | undefined)?.description))?.[1];
  const right = scope === 'ops' ? ctx.keys.ops : ctx.keys.portal;
  const wrong = scope === 'ops' ? ctx.keys.portal : ctx.keys.ops;
  return fc.oneof(
    { arbitrary: fc.constant(`Bearer ${ctx.keys.both}`), weight: 6 },
    { arbitrary: fc.constant(`Bearer ${right}`), weight: 2 },
    {
      arbitrary: fc.constantFrom(`Bearer ${wrong}`, `bearer ${right}`, `Basic ${Buffer.from(`x:${right}`).toString('base64')}`),
      weight: 1,
    },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: anyHeaderValue.map((v) => `Bearer ${v}`), weight: 1 },
  );
};

/** Every kind of request one operation can be sent: path values, query, headers, content types and bodies. */
export function requestsFor(op: OpenApiOperation, ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const path = fc
    .tuple(...pathParams.map((p) => pathValue(p.name, p.schema ?? {}, ctx)))
    .map((values) => pathParams.reduce((url, p, i) => url.replace(`{${p.name}}`, values[i]), op.path));
  const query = fc.tuple(
    ...queryParams.map((p) => fc.option(fc.oneof(fromSchema(p.schema ?? {}, ctx, p.name), anyString), { nil: undefined, freq: 2 })),
  );
  const actingUser = fc.oneof(
    { arbitrary: fc.constantFrom(...(ctx.known.actingUser ?? ['lsa.fuzz@nhs.net'])), weight: 4 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: fc.stringMatching(/^[A-Za-z0-9._@-]{1,128}$/), weight: 1 },
    { arbitrary: anyHeaderValue, weight: 2 },
  );
  const requestId = fc.option(fc.oneof(fc.uuid(), anyHeaderValue, fc.constant('r'.repeat(300))), { nil: undefined, freq: 2 });
  const ifNoneMatch = fc.option(
    fc.oneof(
      fc.constant('*'),
      anyHeaderValue.map((v) => `W/"${v}"`),
    ),
    { nil: undefined, freq: 3 },
  );
  return fc
    .record({ path, query, auth: authorization(op, ctx), actingUser, requestId, ifNoneMatch, body: bodies(op, ctx) })
    .map(({ path: url, query: values, auth, actingUser: acting, requestId: rid, ifNoneMatch: etag, body }) => {
      const search = new URLSearchParams();
      values.forEach((v, i) => v !== undefined && search.append(queryParams[i].name, typeof v === 'string' ? v : JSON.stringify(v)));
      const headers: Record<string, string> = {};
      if (auth !== undefined) headers.authorization = auth;
      if (acting !== undefined) headers['x-acting-user'] = acting;
      if (rid !== undefined) headers['x-request-id'] = rid;
      if (etag !== undefined && op.method === 'GET') headers['if-none-match'] = etag;
      if (body.contentType) headers['content-type'] = body.contentType;
      const qs = search.toString();
      return {
        request: { method: op.method as GatewayRequest['method'], url: qs ? `${url}?${qs}` : url, headers, payload: body.payload },
        variant: body.variant,
      };
    });
}

/**
 * Types derived from the generated `schema.ts` (never hand-written copies of the document's schemas):
 * regenerate with `npm run client:generate` and these follow the document.
 */
import type { components, paths, webhooks } from './schema.ts';

export type { components, paths, webhooks };

/** Every schema of the document, by name. */
export type Schemas = components['schemas'];

/** A path of the document, and the HTTP methods it declares. */
export type Path = keyof paths;
export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
export type MethodOf<P extends Path> = {
  [M in Method]: paths[P][M] extends undefined | never ? never : M;
}[Method];

/** The operation object of one path and method. */
export type Operation<P extends Path, M extends MethodOf<P>> = NonNullable<paths[P][M]>;

type ResponsesOf<O> = O extends { responses: infer R } ? R : never;
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type IsErrorStatus<S> = `${S & (string | number)}` extends `4${string}` | `5${string}` | 'default' ? true : false;

/** The JSON bodies an operation documents for its error statuses (4xx, 5xx, default). */
export type ErrorBodyOf<P extends Path, M extends MethodOf<P>> = {
  [S in keyof ResponsesOf<Operation<P, M>>]: IsErrorStatus<S> extends true ? JsonOf<ResponsesOf<Operation<P, M>>[S]> : never;
}[keyof ResponsesOf<Operation<P, M>>];

/** The `error` codes an operation documents (its error responses' `error` field); `string` if it documents none. */
export type ErrorCodeOf<P extends Path, M extends MethodOf<P>> = CodeOfBody<ErrorBodyOf<P, M>>;

/** The `error` codes of a union of error bodies, as openapi-fetch reports them. */
export type CodeOfBody<E> = [E] extends [never] ? string : E extends { error: infer C extends string } ? C : never;

/** The JSON request body of an operation. */
export type RequestBodyOf<P extends Path, M extends MethodOf<P>> =
  Operation<P, M> extends {
    requestBody?: { content: { 'application/json': infer B } };
  }
    ? B
    : never;

type IsSuccessStatus<S> = `${S & (string | number)}` extends `2${string}` ? true : false;

/** The JSON body of an operation's success answer(s) (2xx). */
export type SuccessBodyOf<P extends Path, M extends MethodOf<P>> = {
  [S in keyof ResponsesOf<Operation<P, M>>]: IsSuccessStatus<S> extends true ? JsonOf<ResponsesOf<Operation<P, M>>[S]> : never;
}[keyof ResponsesOf<Operation<P, M>>];

/** The query parameters of an operation. */
export type QueryOf<P extends Path, M extends MethodOf<P>> = NonNullable<
  Operation<P, M> extends { parameters: { query?: infer Q } } ? Q : never
>;

/** A user's access answer (`getEsrAccess`, `refreshEsrAccess`, each item of `getEsrAccessBatch`). */
export type UserAccess = SuccessBodyOf<'/v1/users/{portalUserId}/esr-access', 'get'>;

/** The event of the document's `webhooks` (OpenAPI 3.1), else the schema with the event's fields (3.0 documents). */
type WebhookEvent = webhooks extends { 'esr-access.changed': { post: infer O } }
  ? O extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : never
  : never;
type SchemaEvent = {
  [K in keyof Schemas]: Schemas[K] extends { portalUserId: unknown; previousSearchEnabled: unknown; mappings: unknown }
    ? Schemas[K]
    : never;
}[keyof Schemas];

/** The access-change event the gateway POSTs to the portal (`type: "esr-access.changed"`). */
export type AccessChangedEvent = [WebhookEvent] extends [never] ? SchemaEvent : WebhookEvent;

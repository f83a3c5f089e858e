/**
 * Client authentication at the token endpoint (esr-api.yaml 1.1.0, RFC 6749 2.3 and RFC 7523): which
 * method a request uses, the secret check, and what a registered public key may be. Pure decisions;
 * the signature check is in sandbox.client-assertion.ts.
 */
import { createPublicKey, JsonWebKey as NodeJwk, timingSafeEqual } from 'node:crypto';
import { SandboxError } from './sandbox.errors';

export const CLIENT_AUTH_METHODS = ['client_secret_post', 'client_secret_basic', 'private_key_jwt'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The signing algorithms a client assertion may use. */
export const ASSERTION_ALGORITHMS = ['RS512', 'ES256'] as const;

/** A registered public key: a JWK with its `kid` and the one algorithm it signs with. */
export interface ClientPublicKey {
  kty: 'RSA' | 'EC';
  kid: string;
  alg: (typeof ASSERTION_ALGORITHMS)[number];
  use: 'sig';
  n?: string;
  e?: string;
  crv?: 'P-256';
  x?: string;
  y?: string;
}

/** The credentials a token request presents, by method. */
export type PresentedCredentials =
  | { method: 'client_secret_post' | 'client_secret_basic'; clientId: string; clientSecret: string }
  | { method: 'private_key_jwt'; clientId?: string; assertion: string };

/** 401 invalid_client, with the Basic challenge when the client tried HTTP Basic (RFC 6749 5.2). */
export function invalidClient(message: string, method?: ClientAuthMethod): SandboxError {
  const headers: Record<string, string> = method === 'client_secret_basic' ? { 'www-authenticate': 'Basic realm="esr-sandbox"' } : {};
  return new SandboxError(401, 'invalid_client', message, headers);
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** application/x-www-form-urlencoded decoding of one Basic credential (RFC 6749 2.3.1). */
function formDecode(value: string, method: ClientAuthMethod): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw invalidClient('the Basic credentials are not form-urlencoded', method);
  }
}

function basicCredentials(authorization: string): { clientId: string; clientSecret: string } {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(authorization.trim());
  const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 1) throw invalidClient('the Authorization header must be Basic base64(client_id:client_secret)', 'client_secret_basic');
  return {
    clientId: formDecode(decoded.slice(0, colon), 'client_secret_basic'),
    clientSecret: formDecode(decoded.slice(colon + 1), 'client_secret_basic'),
  };
}

/**
 * The one authentication method a request uses, from its form fields and Authorization header.
 * 400 invalid_request when it uses none, more than one, or a malformed one.
 */
export function presentedCredentials(field: (name: string) => string | undefined, authorization: string | undefined): PresentedCredentials {
  const clientId = field('client_id');
  const clientSecret = field('client_secret');
  const assertionType = field('client_assertion_type');
  const assertion = field('client_assertion');
  const usesJwt = assertionType !== undefined || assertion !== undefined;
  const usesBasic = authorization !== undefined && authorization.trim() !== '';
  if ([usesBasic, usesJwt, clientSecret !== undefined].filter(Boolean).length > 1)
    throw SandboxError.badRequest('use exactly one client authentication method', 'invalid_request');
  if (usesBasic) {
    if (!/^Basic /i.test(authorization.trim()))
      throw SandboxError.badRequest('only Basic authorization is accepted here', 'invalid_request');
    const basic = basicCredentials(authorization);
    if (clientId !== undefined && clientId !== basic.clientId)
      throw SandboxError.badRequest('client_id in the form differs from the Basic credentials', 'invalid_request');
    return { method: 'client_secret_basic', ...basic };
  }
  if (usesJwt) {
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE)
      throw SandboxError.badRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`, 'invalid_request');
    if (!assertion) throw SandboxError.badRequest('client_assertion is required', 'invalid_request');
    return { method: 'private_key_jwt', clientId: clientId || undefined, assertion };
  }
  if (!clientId || !clientSecret)
    throw SandboxError.badRequest(
      'client credentials are required (client_secret_post, client_secret_basic or private_key_jwt)',
      'invalid_request',
    );
  return { method: 'client_secret_post', clientId, clientSecret };
}

/** The allowed methods, checked: a non-empty subset of CLIENT_AUTH_METHODS without repeats. */
export function parseAuthMethods(methods: readonly string[]): ClientAuthMethod[] {
  const unknown = methods.filter((m) => !(CLIENT_AUTH_METHODS as readonly string[]).includes(m));
  if (unknown.length > 0)
    throw new RangeError(`unknown client authentication method ${unknown.join(', ')}; use ${CLIENT_AUTH_METHODS.join(', ')}`);
  if (methods.length === 0) throw new RangeError('at least one client authentication method must be allowed');
  return [...new Set(methods as ClientAuthMethod[])];
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * A public key a client may sign assertions with, from a JWK: RSA (at least 2048 bits, RS512) or EC
 * P-256 (ES256), with a `kid`, no private part. 400 invalid_request otherwise.
 */
export function parseClientKey(input: unknown): ClientPublicKey {
  const bad = (why: string): SandboxError => SandboxError.badRequest(`client key: ${why}`, 'invalid_request');
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad('must be a JWK object');
  const jwk = input as Record<string, unknown>;
  const text = (name: string): string | undefined => {
    const value = jwk[name];
    return typeof value === 'string' ? value : undefined;
  };
  const kid = text('kid');
  if (!kid || kid.length > 256) throw bad('kid is required (1 to 256 characters)');
  if ('d' in jwk) throw bad('register the public key only (the JWK has a private part)');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw bad('use must be sig');
  const coordinate = (name: string): string => {
    const value = text(name);
    if (!value || !BASE64URL.test(value)) throw bad(`${name} must be base64url`);
    return value;
  };
  let key: ClientPublicKey;
  if (jwk.kty === 'RSA') {
    const n = coordinate('n');
    if (Buffer.from(n, 'base64url').length < 256) throw bad('RSA keys must have at least 2048 bits');
    key = { kty: 'RSA', kid, alg: 'RS512', use: 'sig', n, e: coordinate('e') };
  } else if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    key = { kty: 'EC', kid, alg: 'ES256', use: 'sig', crv: 'P-256', x: coordinate('x'), y: coordinate('y') };
  } else {
    throw bad('kty must be RSA, or EC with crv P-256');
  }
  if (jwk.alg !== undefined && jwk.alg !== key.alg) throw bad(`a ${key.kty} key signs with ${key.alg}, not ${JSON.stringify(jwk.alg)}`);
  return key;
}

/** A registered key from a PEM public key or certificate and its kid. */
export function clientKeyFromPem(pem: string, kid: string): ClientPublicKey {
  let jwk: NodeJwk;
  try {
    jwk = createPublicKey(pem).export({ format: 'jwk' });
  } catch {
    throw SandboxError.badRequest('client key: not a PEM public key or certificate', 'invalid_request');
  }
  return parseClientKey({ ...jwk, kid });
}

import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { EsrClientAuth } from '../config/settings/esr.settings';

/** RFC 7523 client assertion type of private_key_jwt. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** How long a client assertion is valid: one token request, with room for clock skew (ESR allows 5 minutes). */
export const CLIENT_ASSERTION_LIFETIME_SECONDS = 60;

/** What one client-credentials token request sends: the form body and the headers it needs. */
export interface TokenRequestBody {
  body: string;
  headers: Record<string, string>;
}

export interface TokenRequestInput {
  clientId: string;
  scope: string;
  auth: EsrClientAuth;
  /** The token URL: where the request goes and, for private_key_jwt, the assertion's audience. */
  tokenUrl: string;
  nowMs: number;
}

/** application/x-www-form-urlencoded encoding of one HTTP Basic credential part (RFC 6749 2.3.1). */
export function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** A signed JWT client assertion (RFC 7523 3): iss = sub = client id, aud = token URL, short exp, fresh jti. */
export function clientAssertion(
  clientId: string,
  auth: Extract<EsrClientAuth, { method: 'private_key_jwt' }>,
  tokenUrl: string,
  nowMs: number,
): Promise<string> {
  const issuedAt = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: auth.alg, kid: auth.keyId, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + CLIENT_ASSERTION_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(auth.key);
}

/**
 * The client-credentials request for ESR_CLIENT_AUTH: client_secret_post puts id and secret in the
 * form; client_secret_basic sends them (each form-urlencoded) as HTTP Basic, the form without a secret;
 * private_key_jwt sends a signed client assertion and no secret at all.
 */
export async function tokenRequestBody(input: TokenRequestInput): Promise<TokenRequestBody> {
  const { clientId, auth } = input;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  switch (auth.method) {
    case 'client_secret_post':
      form.set('client_id', clientId);
      form.set('client_secret', auth.clientSecret);
      break;
    case 'client_secret_basic':
      headers.Authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(auth.clientSecret)}`).toString('base64')}`;
      break;
    case 'private_key_jwt':
      form.set('client_id', clientId);
      form.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE);
      form.set('client_assertion', await clientAssertion(clientId, auth, input.tokenUrl, input.nowMs));
      break;
  }
  if (input.scope) form.set('scope', input.scope);
  return { body: form.toString(), headers };
}

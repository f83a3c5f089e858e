/**
 * private_key_jwt (RFC 7523 3, esr-api.yaml 1.1.0): the client assertion's signature against the
 * client's registered keys (jose), its claims, and a memory of used `jti`s that forgets each one when
 * its assertion expires.
 */
import { createLocalJWKSet, decodeProtectedHeader, errors, JWTPayload, jwtVerify } from 'jose';
import { ASSERTION_ALGORITHMS, ClientPublicKey, invalidClient } from './sandbox.client-auth';
import { SandboxError } from './sandbox.errors';

/** How far ahead an assertion's exp may be. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Used jtis kept at once at most; beyond that (after forgetting expired ones) assertions are refused. */
const MAX_REMEMBERED_JTIS = 100_000;
/** Above this many remembered jtis, expired ones are swept out on the next use. */
const SWEEP_THRESHOLD = 1_000;

/** The `jti`s seen, each until its assertion's exp (after which the assertion is refused anyway). */
export class JtiMemory {
  private readonly expiries = new Map<string, number>();

  get size(): number {
    return this.expiries.size;
  }

  /** Records a jti; false if it was already used and has not expired. */
  use(clientId: string, jti: string, expiresAt: number, now: number): boolean {
    const key = `${clientId}\u0000${jti}`;
    const seen = this.expiries.get(key);
    if (seen !== undefined && seen > now) return false;
    if (this.expiries.size >= SWEEP_THRESHOLD) {
      for (const [k, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(k);
    }
    if (this.expiries.size >= MAX_REMEMBERED_JTIS)
      throw SandboxError.badRequest('too many client assertions in flight; try again shortly', 'invalid_request');
    this.expiries.set(key, expiresAt);
    return true;
  }
}

export interface AssertionCheck {
  clientId: string;
  keys: readonly ClientPublicKey[];
  /** Accepted `aud` values: the token URL as the client reached it (and a configured one). */
  audiences: string[];
  now: number;
}

function refusal(error: unknown): SandboxError {
  if (error instanceof errors.JWTExpired) return invalidClient('the client assertion has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return invalidClient('the client assertion aud must be the token URL');
    return invalidClient(`the client assertion's ${error.claim} claim is wrong: ${error.message}`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) return invalidClient('no registered key matches the client assertion kid and alg');
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalidClient('the client assertion signature does not verify');
  if (error instanceof errors.JOSEError) return invalidClient(`the client assertion is invalid: ${error.message}`);
  return invalidClient('the client assertion is invalid');
}

/** Checks a client assertion: kid, alg, signature, iss = sub = client, aud, exp within 5 minutes, fresh jti. */
export class ClientAssertionVerifier {
  private readonly jtis = new JtiMemory();

  async verify(assertion: string, check: AssertionCheck): Promise<void> {
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(assertion).kid;
    } catch {
      throw invalidClient('the client assertion is not a signed JWT');
    }
    if (typeof kid !== 'string' || kid === '') throw invalidClient('the client assertion header needs a kid');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, createLocalJWKSet({ keys: check.keys.map((k) => ({ ...k })) }), {
        algorithms: [...ASSERTION_ALGORITHMS],
        issuer: check.clientId,
        subject: check.clientId,
        audience: check.audiences,
        currentDate: new Date(check.now),
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      }));
    } catch (error) {
      throw refusal(error);
    }
    const expiresAt = (payload.exp as number) * 1000;
    if (expiresAt > check.now + MAX_ASSERTION_LIFETIME_SECONDS * 1000)
      throw invalidClient(`the client assertion's exp may be at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds ahead`);
    const { jti } = payload;
    if (typeof jti !== 'string' || jti === '' || jti.length > 256)
      throw invalidClient('the client assertion needs a jti of 1 to 256 characters');
    if (!this.jtis.use(check.clientId, jti, expiresAt, check.now)) throw invalidClient('the client assertion jti was already used');
  }
}

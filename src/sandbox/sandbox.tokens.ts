import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SandboxError } from './sandbox.errors';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** The only scope the sandbox grants (what the gateway asks for by default). */
export const SANDBOX_SCOPE = 'esr.read';
/** Above this many live tokens, expired ones are swept out on the next issue. */
const SWEEP_THRESHOLD = 1_000;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * OAuth2 client-credentials tokens: one client, opaque random tokens that live ttlSeconds on the
 * sandbox clock (so tests can expire them by moving `now`), and can be revoked all at once.
 */
export class TokenService {
  private readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  /** Issues a token for a parsed application/x-www-form-urlencoded body; throws 400/401 SandboxErrors. */
  issue(form: unknown): TokenResponse {
    if (typeof form !== 'object' || form === null)
      throw SandboxError.badRequest('the body must be application/x-www-form-urlencoded', 'invalid_request');
    const field = (name: string): string | undefined => {
      const value = (form as Record<string, unknown>)[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string') throw SandboxError.badRequest(`${name} must be given once`, 'invalid_request');
      return value;
    };
    const grantType = field('grant_type');
    const clientId = field('client_id');
    const clientSecret = field('client_secret');
    const scope = field('scope');
    if (!grantType) throw SandboxError.badRequest('grant_type is required', 'invalid_request');
    if (grantType !== 'client_credentials')
      throw SandboxError.badRequest(`grant_type ${grantType} is not supported; use client_credentials`, 'unsupported_grant_type');
    if (!clientId || !clientSecret) throw SandboxError.badRequest('client_id and client_secret are required', 'invalid_request');
    if (clientId !== this.clientId || !sameSecret(clientSecret, this.clientSecret))
      throw new SandboxError(401, 'invalid_client', 'client authentication failed');
    if (scope !== undefined && scope.split(' ').some((s) => s !== '' && s !== SANDBOX_SCOPE))
      throw SandboxError.badRequest(`only the scope ${SANDBOX_SCOPE} can be granted`, 'invalid_scope');

    const now = this.now();
    if (this.tokens.size >= SWEEP_THRESHOLD) {
      for (const [token, entry] of this.tokens) if (entry.expiresAt <= now) this.tokens.delete(token);
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { clientId, expiresAt: now + this.ttlSeconds * 1000 });
    return { access_token: token, token_type: 'Bearer', expires_in: this.ttlSeconds, scope: SANDBOX_SCOPE };
  }

  /** The client behind an `Authorization: Bearer ...` header; throws 401 if missing, unknown, expired or revoked. */
  authenticate(authorization: string | undefined): string {
    const match = authorization ? /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim()) : null;
    if (!match) throw SandboxError.unauthorized('a Bearer access token is required', 'invalid_request');
    const entry = this.tokens.get(match[1]);
    if (!entry) throw SandboxError.unauthorized('the access token is unknown or was revoked');
    if (entry.expiresAt <= this.now()) {
      this.tokens.delete(match[1]);
      throw SandboxError.unauthorized('the access token has expired');
    }
    return entry.clientId;
  }

  /** Revokes every token issued so far. */
  revokeAll(): number {
    const count = this.tokens.size;
    this.tokens.clear();
    return count;
  }
}

import { randomBytes } from 'node:crypto';
import { ClientAssertionVerifier } from './sandbox.client-assertion';
import {
  ClientAuthMethod,
  ClientPublicKey,
  invalidClient,
  parseClientKey,
  PresentedCredentials,
  presentedCredentials,
  sameSecret,
} from './sandbox.client-auth';
import { SandboxError } from './sandbox.errors';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** The one client the sandbox knows, and how it may authenticate. */
export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  /** The methods it may use at the token endpoint. */
  authMethods: readonly ClientAuthMethod[];
  /** Public keys (JWKs, checked with parseClientKey) of its private_key_jwt assertions. */
  keys: readonly unknown[];
}

/** A token request as the route hands it over. */
export interface TokenRequest {
  /** The parsed application/x-www-form-urlencoded body. */
  form: unknown;
  authorization?: string;
  /** The token endpoint's URL as this request reached it (an accepted assertion `aud`). */
  requestUrl: string;
}

/** The only scope the sandbox grants (what the gateway asks for by default). */
export const SANDBOX_SCOPE = 'esr.read';
/** Above this many live tokens, expired ones are swept out on the next issue. */
const SWEEP_THRESHOLD = 1_000;

function formReader(form: unknown): (name: string) => string | undefined {
  if (typeof form !== 'object' || form === null)
    throw SandboxError.badRequest('the body must be application/x-www-form-urlencoded', 'invalid_request');
  return (name) => {
    const value = (form as Record<string, unknown>)[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw SandboxError.badRequest(`${name} must be given once`, 'invalid_request');
    return value;
  };
}

/**
 * OAuth2 client-credentials tokens: one client, authenticated by client_secret_post,
 * client_secret_basic or private_key_jwt as allowed for it; opaque random tokens that live
 * ttlSeconds on the sandbox clock (so tests can expire them by moving `now`), revocable all at once.
 */
export class TokenService {
  private readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();
  private readonly assertions = new ClientAssertionVerifier();
  private keys: ClientPublicKey[];

  constructor(
    private readonly client: SandboxClient,
    private readonly ttlSeconds: number,
    private readonly now: () => number,
    /** A token URL assertions may name as `aud` besides the request's own (e.g. behind a proxy). */
    private readonly tokenUrl?: string,
  ) {
    this.keys = client.keys.map(parseClientKey);
  }

  /** Registers (or replaces, by kid) a public key of the client; returns its kid. */
  registerClientKey(jwk: unknown): string {
    const key = parseClientKey(jwk);
    this.keys = [...this.keys.filter((k) => k.kid !== key.kid), key];
    return key.kid;
  }

  /** Issues a token; throws 400/401 SandboxErrors as the contract says. */
  async issue(request: TokenRequest): Promise<TokenResponse> {
    const field = formReader(request.form);
    const grantType = field('grant_type');
    const scope = field('scope');
    if (!grantType) throw SandboxError.badRequest('grant_type is required', 'invalid_request');
    if (grantType !== 'client_credentials')
      throw SandboxError.badRequest(`grant_type ${grantType} is not supported; use client_credentials`, 'unsupported_grant_type');
    const presented = presentedCredentials(field, request.authorization);
    await this.authenticateClient(presented, request.requestUrl);
    if (scope !== undefined && scope.split(' ').some((s) => s !== '' && s !== SANDBOX_SCOPE))
      throw SandboxError.badRequest(`only the scope ${SANDBOX_SCOPE} can be granted`, 'invalid_scope');

    const now = this.now();
    if (this.tokens.size >= SWEEP_THRESHOLD) {
      for (const [token, entry] of this.tokens) if (entry.expiresAt <= now) this.tokens.delete(token);
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { clientId: this.client.clientId, expiresAt: now + this.ttlSeconds * 1000 });
    return { access_token: token, token_type: 'Bearer', expires_in: this.ttlSeconds, scope: SANDBOX_SCOPE };
  }

  private async authenticateClient(presented: PresentedCredentials, requestUrl: string): Promise<void> {
    const { client } = this;
    const { method } = presented;
    if (presented.method === 'private_key_jwt') {
      if (presented.clientId !== undefined && presented.clientId !== client.clientId) throw invalidClient('client authentication failed');
      if (!client.authMethods.includes(method)) throw invalidClient(`${method} is not allowed for this client`);
      await this.assertions.verify(presented.assertion, {
        clientId: client.clientId,
        keys: this.keys,
        audiences: [requestUrl, ...(this.tokenUrl ? [this.tokenUrl] : [])],
        now: this.now(),
      });
      return;
    }
    if (presented.clientId !== client.clientId || !sameSecret(presented.clientSecret, client.clientSecret))
      throw invalidClient('client authentication failed', method);
    if (!client.authMethods.includes(method)) throw invalidClient(`${method} is not allowed for this client`, method);
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

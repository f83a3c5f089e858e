import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ApiScope } from '../../config/api-keys';
import { canonicalPortalUserId, PORTAL_USER_ID } from '../../domain/identifiers';
import { ValidationFailedError } from '../errors/domain-error';

export const SCOPES_KEY = 'esr:scopes';
export const PUBLIC_KEY = 'esr:public';

/** The API key must carry this scope (portal or ops), or one of these scopes. */
export const RequireScope = (...scopes: [ApiScope, ...ApiScope[]]) => SetMetadata(SCOPES_KEY, scopes);

/** No API key needed (health, metrics). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface AuthenticatedRequest extends FastifyRequest {
  apiKeyId?: string;
}

/** The API key id that authenticated this request. */
export const ApiKeyId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().apiKeyId ?? 'unknown';
});

/**
 * X-Acting-User, checked and in its canonical (lower-case) form: a missing (when required) or
 * malformed header is VALIDATION_FAILED naming it.
 */
function actingUserOf(ctx: ExecutionContext, required: boolean): string | undefined {
  const raw = ctx.switchToHttp().getRequest<FastifyRequest>().headers['x-acting-user'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) {
    if (!required) return undefined;
    throw new ValidationFailedError('The X-Acting-User header is required: the portal user on whose behalf this call is made.', [
      { field: 'X-Acting-User', message: 'X-Acting-User header is required' },
    ]);
  }
  if (!PORTAL_USER_ID.test(value)) {
    throw new ValidationFailedError('The X-Acting-User header must be 1-128 characters of A-Z a-z 0-9 . _ @ -.', [
      { field: 'X-Acting-User', message: 'X-Acting-User must be 1-128 characters of A-Z a-z 0-9 . _ @ -' },
    ]);
  }
  return canonicalPortalUserId(value);
}

/** The portal user on whose behalf the call is made (X-Acting-User). Required. */
export const ActingUser = createParamDecorator((_: unknown, ctx: ExecutionContext): string => actingUserOf(ctx, true) as string);

/** X-Acting-User where the contract does not require it: undefined when absent, 422 when malformed. */
export const OptionalActingUser = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => actingUserOf(ctx, false));

/** The gateway's own id of this request (logs and audit; the caller's X-Request-Id is kept beside it). */
export const RequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return String(ctx.switchToHttp().getRequest<FastifyRequest>().id);
});

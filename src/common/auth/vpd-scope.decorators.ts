import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { VPD } from '../../domain/identifiers';
import type { AuthenticatedRequest } from './auth.decorators';
import { VpdScope } from './vpd-scope';

export const VPDS_OF_KEY = 'esr:vpds-of';
export const ALL_VPDS_KEY = 'esr:all-vpds';

/** A request once ApiKeyGuard has authenticated it: the VPDs its key may act in. */
export interface ScopedRequest extends AuthenticatedRequest {
  vpdScope?: VpdScope;
}

/** Picks the VPDs a request names beyond `:vpd` and a body `vpd` (e.g. the rows of an import). */
export type VpdsOf = (body: unknown) => unknown[];

/** This route also acts in the VPDs `vpdsOf` finds in the body: a restricted key needs all of them. */
export const VpdsOfRequest = (vpdsOf: VpdsOf) => SetMetadata(VPDS_OF_KEY, vpdsOf);

/** This route acts across every VPD (`what` names it in the refusal): keys restricted to some VPDs are refused. */
export const SpansAllVpds = (what: string) => SetMetadata(ALL_VPDS_KEY, what);

const field = (value: unknown, name: string): unknown =>
  value !== null && typeof value === 'object' && Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;

/** The well-formed VPDs a request names: `:vpd`, a body `vpd`, and what `extra` finds (malformed ones: the pipe's 422). */
export function requestVpds(request: Pick<ScopedRequest, 'params' | 'body'>, extra?: VpdsOf): string[] {
  const named = [field(request.params, 'vpd'), field(request.body, 'vpd'), ...(extra ? extra(request.body) : [])];
  return named.filter((vpd): vpd is string => typeof vpd === 'string' && VPD.test(vpd));
}

/** The VPDs the calling key may act in (every VPD for an unscoped key). */
export const CallerVpdScope = createParamDecorator((_: unknown, ctx: ExecutionContext): VpdScope => {
  return ctx.switchToHttp().getRequest<ScopedRequest>().vpdScope ?? VpdScope.ALL;
});

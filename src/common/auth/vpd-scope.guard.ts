import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyRing } from './api-key-ring';
import { VpdScope } from './vpd-scope';
import { ALL_VPDS_KEY, requestVpds, ScopedRequest, VPDS_OF_KEY, VpdsOf } from './vpd-scope.decorators';

/**
 * Keys restricted to some VPDs act only there (gateway-api.md, Conventions). Runs after ApiKeyGuard,
 * on every route: it gives the request its key's VpdScope (`request.vpdScope`, read by @CallerVpdScope
 * for filtering lists and batches), then the VPDs a request names (a `:vpd` path parameter, a body `vpd`, and what a route's
 * @VpdsOfRequest adds, e.g. the import's rows) must all be the key's, else 403 FORBIDDEN naming them;
 * a route marked @SpansAllVpds refuses restricted keys. Unscoped keys and public routes pass untouched.
 * Malformed VPDs are left to the validation pipe (422), as for any key.
 */
@Injectable()
export class VpdScopeGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly ring: ApiKeyRing,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<ScopedRequest>();
    if (request.apiKeyId === undefined) return true; // a public route
    const scope = VpdScope.of(this.ring.byId(request.apiKeyId)?.vpds);
    request.vpdScope = scope;
    if (!scope.restricted) return true;
    const targets = [context.getHandler(), context.getClass()];
    const spans = this.reflector.getAllAndOverride<string | undefined>(ALL_VPDS_KEY, targets);
    if (spans) scope.requireAll(spans);
    const extra = this.reflector.getAllAndOverride<VpdsOf | undefined>(VPDS_OF_KEY, targets);
    scope.check(requestVpds(request, extra));
    return true;
  }
}

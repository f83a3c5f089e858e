import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiScope } from '../../config/api-keys';
import { DomainError } from '../errors/domain-error';
import { ApiKeyRing, KeyHolder } from './api-key-ring';
import { AuthenticatedRequest, PUBLIC_KEY, SCOPES_KEY } from './auth.decorators';

/**
 * Every route needs `Authorization: Bearer <api key>` unless marked @Public(); the key is matched in
 * constant time by the ApiKeyRing. Several keys may be valid at once (rotation).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly ring: ApiKeyRing,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = this.authenticate(request.headers.authorization);
    if (!key) throw new DomainError('UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <api key>.');
    request.apiKeyId = key.id;
    const scopes = this.reflector.getAllAndOverride<ApiScope[] | undefined>(SCOPES_KEY, targets);
    if (scopes && !scopes.some((scope) => key.scopes.includes(scope))) {
      const needed = scopes.map((s) => `'${s}'`).join(' or ');
      throw new DomainError('FORBIDDEN', `This API key lacks the ${needed} scope needed here.`);
    }
    return true;
  }

  private authenticate(header: string | undefined): KeyHolder | undefined {
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header ?? '');
    return match ? this.ring.match(match[1]) : undefined;
  }
}

import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiScope } from '../../config/api-keys';
import { DomainError } from '../errors/domain-error';
import { ApiKeyRing, KeyHolder } from './api-key-ring';
import { AuthFailures, tooManyFailures } from './auth-failures';
import { namedKeyId } from './named-key-id';
import { AuthenticatedRequest, PUBLIC_KEY, SCOPES_KEY } from './auth.decorators';

/**
 * Every route needs `Authorization: Bearer <api key>` unless marked @Public(); the key is matched in
 * constant time by the ApiKeyRing. Several keys may be valid at once (rotation). Failed keys are
 * counted per client address (AuthFailures): too many, and the address gets 429 for a while, valid key or not.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly ring: ApiKeyRing,
    @Optional() private readonly failures?: AuthFailures,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const refused = this.failures?.refusedFor(request.ip) ?? 0;
    if (refused > 0) throw tooManyFailures(refused);
    const key = this.authenticate(request.headers.authorization);
    if (!key) return this.failed(request);
    request.apiKeyId = key.id;
    const scopes = this.reflector.getAllAndOverride<ApiScope[] | undefined>(SCOPES_KEY, targets);
    if (scopes && !scopes.some((scope) => key.scopes.includes(scope))) {
      const needed = scopes.map((s) => `'${s}'`).join(' or ');
      throw new DomainError('FORBIDDEN', `This API key lacks the ${needed} scope needed here.`);
    }
    return true;
  }

  /** A missing or unknown key: counted against the client address (429 once too many), else 401. */
  private async failed(request: AuthenticatedRequest): Promise<never> {
    const presented = /^Bearer\s+(\S{1,512})\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const refusedFor = await this.failures?.failed({ address: request.ip, surface: 'api', keyId: namedKeyId(this.ring, presented) });
    if (refusedFor) throw tooManyFailures(refusedFor);
    throw new DomainError('UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <api key>.');
  }

  private authenticate(header: string | undefined): KeyHolder | undefined {
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header ?? '');
    return match ? this.ring.match(match[1]) : undefined;
  }
}

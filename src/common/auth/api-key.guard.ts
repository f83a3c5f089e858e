import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey, ApiScope } from '../../config/api-keys';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain-error';
import { AuthenticatedRequest, PUBLIC_KEY, SCOPES_KEY } from './auth.decorators';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Every route needs `Authorization: Bearer <api key>` unless marked @Public(). Keys are compared
 * as SHA-256 digests with timingSafeEqual, checking every configured key so the time taken does
 * not depend on which key (if any) matched. Several keys may be valid at once (rotation).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Array<ApiKey & { digest: Buffer }>;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.keys = config.apiKeys.map((key) => ({ ...key, digest: digest(key.secret) }));
  }

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

  private authenticate(header: string | undefined): ApiKey | undefined {
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header ?? '');
    if (!match) return undefined;
    const presented = digest(match[1]);
    let found: ApiKey | undefined;
    for (const key of this.keys) if (timingSafeEqual(key.digest, presented) && !found) found = key;
    return found;
  }
}

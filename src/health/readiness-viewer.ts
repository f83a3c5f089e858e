import { Injectable, Optional } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiKeyRing } from '../common/auth/api-key-ring';
import { AuthFailures, tooManyFailures } from '../common/auth/auth-failures';
import { namedKeyId } from '../common/auth/named-key-id';

/**
 * Who sees the readiness checks' errors: a caller with an ops key (Authorization: Bearer). Without a
 * key the answer is the status and the failed checks' names only. A key that is presented and wrong
 * counts as a failed key of the client address (AuthFailures), as on /v1: 429 once too many.
 */
@Injectable()
export class ReadinessViewer {
  constructor(
    private readonly ring: ApiKeyRing,
    @Optional() private readonly failures?: AuthFailures,
  ) {}

  /** True for an ops key; false without a key; throws RATE_LIMITED for an address refused for failed keys. */
  async isOps(request: FastifyRequest): Promise<boolean> {
    const header = request.headers.authorization;
    if (header === undefined) return false;
    const refused = this.failures?.refusedFor(request.ip) ?? 0;
    if (refused > 0) throw tooManyFailures(refused);
    const presented = /^Bearer\s+(\S{1,512})\s*$/i.exec(header)?.[1];
    const key = presented ? this.ring.match(presented) : undefined;
    if (key) return key.scopes.includes('ops');
    const refusedFor = await this.failures?.failed({ address: request.ip, surface: 'health', keyId: namedKeyId(this.ring, presented) });
    if (refusedFor) throw tooManyFailures(refusedFor);
    return false;
  }
}

import { DomainError } from '../common/errors/domain-error';
import type { AccessDecision } from '../domain/access.types';

/**
 * 403 ESR_ACCESS_NOT_ACTIVE with the same reason sentence the access endpoint gives. For callers
 * that authorise with AccessService.authorise() (credential searches).
 */
export class EsrAccessNotActiveError extends DomainError {
  constructor(readonly decision: AccessDecision) {
    super('ESR_ACCESS_NOT_ACTIVE', decision.reason);
    this.name = 'EsrAccessNotActiveError';
  }
}

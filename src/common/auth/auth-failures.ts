import { DomainError } from '../errors/domain-error';

/** Where a key or sign-in failed: the /v1 API, the status page's sign-in, or the detailed readiness. */
export type AuthSurface = 'api' | 'status-page' | 'health';

/** One failed key or sign-in: the client address (request.ip, TRUST_PROXY honoured) and what is known of the key. */
export interface FailedAuth {
  address: string;
  surface: AuthSurface;
  /** The id of a configured key when the presented value names one (`<id>:<secret>`), else undefined. */
  keyId?: string;
}

/**
 * The throttle of failed keys and sign-ins per client address (a port: bound in AuditModule's
 * AuthFailureRecorder, which counts across replicas and writes the aggregated AUTH_FAILED audit event).
 * Used by ApiKeyGuard, the status page sign-in and the detailed readiness.
 */
export abstract class AuthFailures {
  /** Seconds until `address` may present a key again when this replica knows it is refused, else 0 (no I/O). */
  abstract refusedFor(address: string): number;
  /** Counts a failed key or sign-in: the seconds `address` is now refused for (429), or 0 (answer 401). */
  abstract failed(attempt: FailedAuth): Promise<number>;
}

/** The 429 of an address refused for repeated failed keys or sign-ins. */
export function tooManyFailures(retryAfterSeconds: number): DomainError {
  return new DomainError(
    'RATE_LIMITED',
    `Too many failed API keys or sign-ins from this address; try again in ${retryAfterSeconds} seconds.`,
    { retryAfterSeconds },
  );
}

/**
 * Stable error codes of the gateway API contract. Services throw DomainError with one of these;
 * the one exception filter maps them to HTTP. No HttpException in services.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 422,
  ESR_RECORD_NOT_FOUND: 422,
  VPD_NOT_SERVED: 422,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  ESR_ACCESS_NOT_ACTIVE: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  MAPPING_EXISTS: 409,
  ESR_RECORD_MAPPED_TO_OTHER_USER: 409,
  ESR_USER_ALREADY_MAPPED_IN_VPD: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  ESR_UNAVAILABLE: 503,
  ESR_TIMEOUT: 504,
  DEPENDENCY_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { details?: ErrorDetail[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export class ValidationFailedError extends DomainError {
  constructor(message: string, details: ErrorDetail[]) {
    super('VALIDATION_FAILED', message, { details });
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class DependencyUnavailableError extends DomainError {
  constructor(dependency: 'database' | 'redis', cause?: unknown) {
    super('DEPENDENCY_UNAVAILABLE', `The ${dependency === 'redis' ? 'cache (Redis)' : 'database'} is unavailable; try again shortly.`, {
      retryAfterSeconds: 5,
      cause,
    });
  }
}

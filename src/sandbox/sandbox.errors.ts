import type { ErrorBody } from './sandbox.types';

/**
 * An answer other than success, in the contract's Error shape. Thrown by the sandbox's store and
 * admin, turned into HTTP by the server's error handler (and surfaced as-is to programmatic callers).
 */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SandboxError';
  }

  get body(): ErrorBody {
    return { error: this.error, message: this.message };
  }

  static badRequest(message: string, error = 'invalid_request'): SandboxError {
    return new SandboxError(400, error, message);
  }

  static notFound(message: string): SandboxError {
    return new SandboxError(404, 'not_found', message);
  }

  static conflict(message: string): SandboxError {
    return new SandboxError(409, 'conflict', message);
  }

  static unauthorized(message: string, error = 'invalid_token'): SandboxError {
    return new SandboxError(401, error, message, { 'www-authenticate': `Bearer error="${error}"` });
  }

  static watermarkExpired(message: string): SandboxError {
    return new SandboxError(410, 'watermark_expired', message);
  }
}

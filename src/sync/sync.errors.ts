import { DomainError } from '../common/errors/domain-error';

/** A run stopped before finishing: the lease was lost or the process is shutting down. */
export class SyncInterruptedError extends Error {
  constructor(readonly code: 'LEASE_LOST' | 'SHUTDOWN') {
    super(code === 'LEASE_LOST' ? 'the sync lease was lost' : 'the gateway is shutting down');
    this.name = 'SyncInterruptedError';
  }
}

/** The pages of one ESR listing carried different watermarks. */
export class InconsistentListingError extends Error {
  constructor(readonly vpd: string) {
    super(`the ESR listing of VPD ${vpd} changed its watermark between pages`);
    this.name = 'InconsistentListingError';
  }
}

/** An incremental run found more changes than it applies in one atomic step: a full run is cheaper. */
export class TooManyChangesError extends Error {
  constructor(readonly count: number) {
    super(`more than ${count} changes since the watermark`);
    this.name = 'TooManyChangesError';
  }
}

/** A short machine-readable code for an error (run records, logs, metrics): never personal data. */
export function errorCode(error: unknown): string {
  if (error instanceof DomainError) return error.code;
  if (error instanceof SyncInterruptedError) return error.code;
  if (error instanceof Error)
    return (
      error.name
        .replace(/Error$/, '')
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .toUpperCase() || 'ERROR'
    );
  return 'ERROR';
}

/** Throws the abort reason (or SHUTDOWN) once `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new SyncInterruptedError('SHUTDOWN');
}

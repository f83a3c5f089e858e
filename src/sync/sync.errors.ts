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

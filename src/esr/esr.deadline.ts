/**
 * The longest a caller waits on ESR, retries and queueing included. One deadline may be shared by
 * several calls (a credential search: people search, then the record), so that together they never
 * take longer than the person is promised. Uses the monotonic clock: a deadline is about real waiting.
 */
export class EsrDeadline {
  private constructor(
    readonly atMs: number,
    readonly signal: AbortSignal,
  ) {}

  /** A deadline `ms` from now. */
  static after(ms: number): EsrDeadline {
    return new EsrDeadline(performance.now() + ms, AbortSignal.timeout(Math.max(0, Math.ceil(ms))));
  }

  get expired(): boolean {
    return this.signal.aborted;
  }

  /** Milliseconds left (0 once passed). */
  remainingMs(): number {
    return this.signal.aborted ? 0 : Math.max(0, this.atMs - performance.now());
  }
}

/** Thrown inside the ESR client once a call's deadline has passed; never leaves src/esr. */
export class EsrDeadlinePassed extends Error {
  constructor() {
    super('the ESR call deadline has passed');
    this.name = 'EsrDeadlinePassed';
  }
}

/**
 * Settles like `work`, or rejects with EsrDeadlinePassed as soon as the deadline passes (the work is
 * then abandoned: its own handlers see the aborted signal and stop; its outcome is ignored).
 */
export function withinDeadline<T>(work: Promise<T>, deadline: EsrDeadline | undefined): Promise<T> {
  if (!deadline) return work;
  const { signal } = deadline;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new EsrDeadlinePassed());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new EsrDeadlinePassed());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? new EsrDeadlinePassed() : error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

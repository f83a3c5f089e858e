/**
 * Writes that go on while the caller fetches the next page: at most `maxInFlight` at a time. The first
 * failure of any write is kept and thrown by the next room() or drain(), so a run stops at the first
 * page after a failed write, having waited for what it started.
 */
export class WriteBehind {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(private readonly maxInFlight: number) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError('maxInFlight must be a positive integer');
  }

  /** Waits until another write may start; throws the first failure of a write so far. */
  async room(): Promise<void> {
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Starts a write without waiting for it (after room(): starting one over the limit is a bug). */
  start(write: () => Promise<unknown>): void {
    if (this.inFlight.size >= this.maxInFlight)
      throw new Error(`WriteBehind: already ${this.maxInFlight} writes in flight; await room() first`);
    const tracked = this.settled(write);
    this.inFlight.add(tracked);
    void tracked.then(() => this.inFlight.delete(tracked));
  }

  /** Waits for every write in flight; throws the first failure of a write. */
  async drain(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure;
  }

  /** Waits for every write in flight, whatever their outcome: on the way out of a run that failed anyway. */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /** Runs a write, keeping its failure if it is the first; never rejects. */
  private async settled(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.failure ??= error instanceof Error ? error : new Error(String(error));
    }
  }
}

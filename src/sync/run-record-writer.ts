import { SyncRunRecord } from '../role-store/sync-records.types';

/** How often a run's progress (items read) is saved at most; other changes are saved at once. */
export const PROGRESS_SAVE_INTERVAL_MS = 1000;

type RunChange = Partial<SyncRunRecord> | ((run: SyncRunRecord) => Partial<SyncRunRecord>);

/**
 * A run record while its run goes on: each change makes a new record, saved at once, or at most
 * every PROGRESS_SAVE_INTERVAL_MS for progress counts. Saving never throws (`save` reports failures).
 */
export class RunRecordWriter {
  private savedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private record: SyncRunRecord,
    private readonly save: (record: SyncRunRecord) => Promise<void>,
  ) {}

  get current(): SyncRunRecord {
    return this.record;
  }

  /** Applies `change` and saves the record. */
  async update(change: RunChange): Promise<SyncRunRecord> {
    this.apply(change);
    this.savedAt = performance.now();
    await this.save(this.record);
    return this.record;
  }

  /** Applies `change`, saving the record if the last save is older than PROGRESS_SAVE_INTERVAL_MS. */
  progress(change: RunChange): void {
    this.apply(change);
    if (performance.now() - this.savedAt < PROGRESS_SAVE_INTERVAL_MS) return;
    this.savedAt = performance.now();
    void this.save(this.record);
  }

  private apply(change: RunChange): void {
    this.record = { ...this.record, ...(typeof change === 'function' ? change(this.record) : change) };
  }
}

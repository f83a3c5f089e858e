import { SyncRunRecord } from '../role-store/sync-records.types';
import { RunRecordWriter } from './run-record-writer';

const queued: SyncRunRecord = {
  runId: 'run-1',
  trigger: 'api',
  mode: 'incremental',
  vpd: '979',
  state: 'queued',
  requestedAt: '2026-11-25T10:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  holder: null,
  heartbeatAt: null,
  progress: { vpdsTotal: 1, vpdsDone: 0, currentVpd: null, processed: 0 },
  vpds: [],
  reason: null,
};

describe(RunRecordWriter.name, () => {
  it('should save every update at once, as a new record', async () => {
    const saved: SyncRunRecord[] = [];
    const writer = new RunRecordWriter(queued, async (r) => void saved.push(r));
    await writer.update({ state: 'running' });
    await writer.update((run) => ({ progress: { ...run.progress, currentVpd: '979' } }));
    expect(saved.map((r) => [r.state, r.progress.currentVpd])).toEqual([
      ['running', null],
      ['running', '979'],
    ]);
    expect(queued.state).toBe('queued');
    expect(writer.current).toBe(saved[1]);
  });

  it('should save progress at most every PROGRESS_SAVE_INTERVAL_MS, keeping the latest in the record', async () => {
    const saved: SyncRunRecord[] = [];
    const writer = new RunRecordWriter(queued, async (r) => void saved.push(r));
    await writer.update({ state: 'running' });
    for (let processed = 1; processed <= 5; processed++) writer.progress((run) => ({ progress: { ...run.progress, processed } }));
    expect(saved).toHaveLength(1);
    expect(writer.current.progress.processed).toBe(5);
    const later = new RunRecordWriter(queued, async (r) => void saved.push(r));
    later.progress({ state: 'running' });
    expect(saved).toHaveLength(2);
  });
});

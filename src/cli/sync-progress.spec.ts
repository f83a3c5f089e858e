import type { SyncRun, SyncStatusVpd } from './api.types';
import { runVpds, SyncProgressTracker } from './sync-progress';

const RUN_ID = '3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a';
const run = (over: Partial<SyncRun> = {}): SyncRun => ({
  runId: RUN_ID,
  trigger: 'api',
  mode: 'full',
  vpd: null,
  state: 'running',
  requestedAt: '2026-11-25T10:00:00.000Z',
  startedAt: '2026-11-25T10:00:00.000Z',
  finishedAt: null,
  holder: 'h',
  progress: { vpdsTotal: 2, vpdsDone: 0, currentVpd: '979', processed: 0 },
  vpds: [],
  reason: null,
  ...over,
});
const status = (processed: number, phase = 'listing', mode: 'full' | 'incremental' = 'full') =>
  ({
    vpd: '979',
    state: 'RUNNING',
    progress: { runId: RUN_ID, mode, phase, processed, pages: 1, startedAt: '2026-11-25T10:00:00.000Z' },
  }) as SyncStatusVpd;

describe(SyncProgressTracker.name, () => {
  it("should measure a full listing against the VPD's holders before the run, with rate and ETA", () => {
    const tracker = new SyncProgressTracker(new Map([['979', 1000]]));
    tracker.view('979', run(), status(100), 0);
    const v = tracker.view('979', run(), status(300), 1000);
    expect(v).toMatchObject({ phase: 'listing', processed: 300, total: 1000, percent: 30, ratePerSecond: 200 });
    expect(v.etaMs).toBeCloseTo(3500);
  });

  it('should grow the total when the listing is longer than expected, and never show 100% before the result', () => {
    const tracker = new SyncProgressTracker(new Map([['979', 100]]));
    expect(tracker.view('979', run(), status(150), 0)).toMatchObject({ total: 150, percent: 99 });
    expect(tracker.view('979', run(), status(150, 'switching'), 10)).toMatchObject({ percent: 99 });
    expect(tracker.view('979', run(), undefined, 20)).toMatchObject({ phase: 'finishing', percent: 99 });
  });

  it('should show no percentage for an incremental change feed, and 100% with the changes once done', () => {
    const tracker = new SyncProgressTracker(new Map([['979', 1000]]));
    expect(tracker.view('979', run({ mode: 'incremental' }), status(20, 'changes', 'incremental'), 0)).toMatchObject({
      percent: null,
      etaMs: null,
    });
    const done = run({
      state: 'succeeded',
      vpds: [{ vpd: '979', mode: 'incremental', status: 'succeeded', added: 3, updated: 1, removed: 2, held: 0, durationMs: 10 }],
    });
    expect(tracker.view('979', done, undefined, 100)).toMatchObject({
      phase: 'done',
      percent: 100,
      outcome: 'succeeded',
      changes: '+3 ~1 -2',
    });
  });

  it('should call a VPD not reached yet waiting, and the current one starting', () => {
    const tracker = new SyncProgressTracker(new Map());
    expect(tracker.view('717', run(), undefined, 0)).toMatchObject({ phase: 'waiting', percent: null });
    expect(tracker.view('979', run(), undefined, 0)).toMatchObject({ phase: 'starting', percent: 0 });
  });
});

describe(runVpds.name, () => {
  it('should keep the asked order and add VPDs the run reports besides', () => {
    expect(runVpds(['979'], run({ progress: { vpdsTotal: 2, vpdsDone: 1, currentVpd: '717', processed: 0 } }))).toEqual(['979', '717']);
  });
});

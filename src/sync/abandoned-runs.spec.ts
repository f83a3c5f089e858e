import { SyncRunRecord } from '../role-store/sync-records.types';
import { abandonedView } from './abandoned-runs';

const TTL = 30_000;
const running: SyncRunRecord = {
  runId: 'run-1',
  trigger: 'schedule',
  mode: 'full',
  vpd: null,
  state: 'running',
  requestedAt: '2026-11-25T10:00:00.000Z',
  startedAt: '2026-11-25T10:00:01.000Z',
  finishedAt: null,
  holder: 'gw-a:1:abcd',
  heartbeatAt: '2026-11-25T10:05:00.000Z',
  progress: { vpdsTotal: 2, vpdsDone: 1, currentVpd: '979', processed: 120 },
  vpds: [],
  reason: null,
};
const beat = Date.parse('2026-11-25T10:05:00.000Z');

describe(abandonedView.name, () => {
  it('should read a running run as abandoned once its heartbeat is older than the TTL and its holder lost the lease', () => {
    expect(abandonedView(running, null, beat + TTL + 1, TTL)).toEqual({
      ...running,
      state: 'abandoned',
      finishedAt: '2026-11-25T10:05:30.000Z',
      progress: { ...running.progress, currentVpd: null },
      reason: 'ABANDONED',
    });
    expect(abandonedView(running, 'gw-b:7:ef01', beat + TTL + 1, TTL)?.state).toBe('abandoned');
  });

  it('should leave a run whose heartbeat is within the TTL', () => {
    expect(abandonedView(running, null, beat + TTL, TTL)).toBeNull();
  });

  it('should leave a run whose holder still holds the lease', () => {
    expect(abandonedView(running, 'gw-a:1:abcd', beat + 10 * TTL, TTL)).toBeNull();
  });

  it('should leave runs that are not running', () => {
    for (const state of ['queued', 'succeeded', 'failed', 'skipped', 'abandoned'] as const)
      expect(abandonedView({ ...running, state }, null, beat + 10 * TTL, TTL)).toBeNull();
  });

  it('should count from the start of a record written without a heartbeat', () => {
    const { heartbeatAt: _beat, ...older } = running;
    const started = Date.parse(running.startedAt as string);
    expect(abandonedView(older, null, started + TTL + 1, TTL)?.finishedAt).toBe('2026-11-25T10:00:31.000Z');
  });
});

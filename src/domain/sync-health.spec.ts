import { allHealthy, vpdHealth } from './sync-health';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe(vpdHealth.name, () => {
  it('should call an idle VPD synced within the staleness OK', () => {
    expect(vpdHealth({ state: 'IDLE', lastSuccessAt: ago(HOUR) }, NOW, 26 * HOUR)).toBe('OK');
  });

  it('should call a running VPD with fresh data OK', () => {
    expect(vpdHealth({ state: 'RUNNING', lastSuccessAt: ago(HOUR) }, NOW, 26 * HOUR)).toBe('OK');
  });

  it('should call a VPD STALE when its last success is older than the staleness, or missing', () => {
    expect(vpdHealth({ state: 'IDLE', lastSuccessAt: ago(27 * HOUR) }, NOW, 26 * HOUR)).toBe('STALE');
    expect(vpdHealth({ state: 'RUNNING', lastSuccessAt: null }, NOW, 26 * HOUR)).toBe('STALE');
  });

  it('should report FAILED and HELD before staleness', () => {
    expect(vpdHealth({ state: 'FAILED', lastSuccessAt: ago(27 * HOUR) }, NOW, 26 * HOUR)).toBe('FAILED');
    expect(vpdHealth({ state: 'HELD', lastSuccessAt: ago(HOUR) }, NOW, 26 * HOUR)).toBe('HELD');
  });
});

describe(allHealthy.name, () => {
  it('should be true only when every VPD is OK', () => {
    const ok = { state: 'IDLE' as const, lastSuccessAt: ago(HOUR) };
    expect(allHealthy([ok, ok], NOW, 26 * HOUR)).toBe(true);
    expect(allHealthy([ok, { state: 'HELD', lastSuccessAt: ago(HOUR) }], NOW, 26 * HOUR)).toBe(false);
    expect(allHealthy([], NOW, 26 * HOUR)).toBe(true);
  });
});

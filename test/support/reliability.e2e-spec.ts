import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistory, ReliabilityRecorder } from './reliability';

describe(ReliabilityRecorder.name, () => {
  let dir: string;
  const history = () => readHistory(join(dir, 'redis.json'));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reliability-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should append each run to the suite file, the last run last', () => {
    const first = new ReliabilityRecorder('redis', 'Redis', dir);
    first.measure('recovered after', 800);
    first.finish();
    const second = new ReliabilityRecorder('redis', 'Redis', dir);
    second.measure('recovered after', 900);
    second.finish();

    expect(history()?.runs.map((run) => run.measurements[0].value)).toEqual([800, 900]);
  });

  it('should keep one entry per run however often it saves', () => {
    const recorder = new ReliabilityRecorder('redis', 'Redis', dir);
    const survived = recorder.fault('Redis down', 'readiness 503');
    recorder.add('requestsSent', 5);
    survived();
    recorder.finish();

    expect(history()?.runs).toHaveLength(1);
    expect(history()?.runs[0]).toMatchObject({ faults: [{ fault: 'Redis down', survived: true }], totals: { requestsSent: 5 } });
  });

  it('should leave a fault not survived, and the run unfinished, when the test stops before saying so', () => {
    const recorder = new ReliabilityRecorder('redis', 'Redis', dir);
    recorder.fault('Redis down', 'readiness 503');

    expect(history()?.runs[0]).toMatchObject({ finishedAt: null, faults: [{ survived: false }] });
  });

  it('should start afresh over a file that is not a run history', () => {
    writeFileSync(join(dir, 'redis.json'), JSON.stringify({ suite: 'redis', faults: [] }));
    new ReliabilityRecorder('redis', 'Redis', dir).finish();

    expect(history()?.runs).toHaveLength(1);
  });
});

import type { SuiteResults } from './reliability';
import { formatValue, humanise, renderReliabilityReport } from './reliability-report';

const run = (suite: string, over: Partial<SuiteResults> = {}): SuiteResults => ({
  suite,
  title: `${suite} title`,
  runId: `${suite}-run`,
  commit: 'abc1234',
  node: 'v20.0.0',
  startedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: '2026-12-01T10:00:30.000Z',
  faults: [],
  measurements: [],
  totals: {},
  ...over,
});

describe(renderReliabilityReport.name, () => {
  const runs = [
    run('redis', {
      faults: [{ fault: 'Redis down', injected: 1, survived: true, expectation: 'readiness 503' }],
      measurements: [{ name: 'Redis down: correct answers again after', value: 831.02, unit: 'ms' }],
      totals: { requestsSent: 120, responses5xx: 40 },
    }),
    run('esr', {
      faults: [{ fault: 'ESR hangs', injected: 2, survived: false, expectation: 'no holder lost' }],
      totals: { holdersLost: 3, openApiChecked: 10, openApiViolations: 1 },
    }),
    run('fuzz', {
      faults: [{ fault: 'fuzzed requests', injected: 2800, survived: true, expectation: 'zero 5xx' }],
      measurements: [{ name: 'fuzzing took', value: 6000, unit: 'ms' }],
      totals: { requestsFuzzed: 2800, responses5xx: 0, operationsFuzzed: 14, status415: 300 },
    }),
    run('security', { totals: { matrixRows: 208, crossVpdRows: 4, leaksFound: 0 } }),
  ];
  const report = renderReliabilityReport(runs);

  it('should give the headline figures from the last runs', () => {
    expect(report).toContain('| Requests fuzzed | 2,800 over 14 /v1 operations |');
    expect(report).toContain('| 5xx seen while fuzzing | 0 |');
    expect(report).toContain('| Security matrix rows | 208 route × credentials × mode, 4 cross-VPD searches |');
    expect(report).toContain('| Holders lost (ESR faults during a full sync; SIGKILL mid-sync) | 3 |');
    expect(report).toContain('| Answers checked against the OpenAPI document | 10; 1 violations |');
  });

  it('should count dependency and process faults apart from the fuzzed and matrix requests', () => {
    expect(report).toContain('| Faults injected (dependency and process faults) | 2 kinds, 3 injections; 1 of 2 survived |');
  });

  it('should list recovery times but not how long the fuzzing took', () => {
    expect(report).toContain('| Redis | Redis down: correct answers again after | 831 ms |');
    expect(report).not.toContain('| fuzzing took');
  });

  it('should say which suites were not run and which faults were not survived', () => {
    expect(report).toMatch(/\| PostgreSQL \| `test\/faults\/postgres-faults.e2e-spec.ts` \| not run \|/);
    expect(report).toContain('| ESR hangs | 2 | **no** | no holder lost |');
    expect(report).toContain('1 of 1 faults not survived');
  });

  it('should say when a run did not finish', () => {
    expect(renderReliabilityReport([run('redis', { finishedAt: null })])).toContain('did not finish (failed or aborted)');
  });
});

describe(formatValue.name, () => {
  it('should show times in ms under a second and in seconds above', () => {
    expect(formatValue({ value: 217.88, unit: 'ms' })).toBe('218 ms');
    expect(formatValue({ value: 8018.15, unit: 'ms' })).toBe('8.0 s');
    expect(formatValue({ value: 20000, unit: 'count' })).toBe('20,000');
  });
});

describe(humanise.name, () => {
  it('should turn result keys into words', () => {
    expect(humanise('requestsFuzzed')).toBe('requests fuzzed');
    expect(humanise('status415')).toBe('answers 415');
    expect(humanise('responses5xx')).toBe('responses 5xx');
    expect(humanise('openApiViolations')).toBe('OpenAPI violations');
    expect(humanise('crossVpdRows')).toBe('cross VPD rows');
  });
});

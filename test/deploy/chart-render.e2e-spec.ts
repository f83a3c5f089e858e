/**
 * The Helm chart rendered by helm itself (scripts/helm.sh, helm v4) and checked on what it renders:
 * scripts/check-chart.mjs runs `helm lint --strict` and `helm template` for the default values, each
 * values-*.yaml and every optional part switched on, validates each object against the Kubernetes
 * schemas (kubernetes-models) and applies the operator checks of scripts/chart/checks.mjs.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

interface Release {
  name: string;
  objects: string[];
  problems: string[];
}
interface Report {
  ok: boolean;
  releases: Release[];
  lints: { files: string[]; ok: boolean; output: string }[];
  refusals: { name: string; refused: boolean; expected: string; message: string; ok: boolean }[];
}

function checkChart(...args: string[]): { status: number | null; report: Report } {
  const result = spawnSync(process.execPath, [path.join(root, 'scripts/check-chart.mjs'), '--json', ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (!result.stdout) throw new Error(`check-chart.mjs printed nothing: ${result.stderr}`);
  return { status: result.status, report: JSON.parse(result.stdout) as Report };
}

describe('Rendered Helm chart', () => {
  let standard: { status: number | null; report: Report };

  beforeAll(() => {
    standard = checkChart();
  }, 180_000);

  it('should pass helm lint --strict with the defaults, the required values, each values-*.yaml and every option on', () => {
    expect(standard.report.lints.map((l) => [l.files.join(' + '), l.ok ? 'ok' : l.output])).toEqual(
      standard.report.lints.map((l) => [l.files.join(' + '), 'ok']),
    );
    expect(standard.report.lints.map((l) => l.files.map((f) => path.basename(f)).join(' + '))).toEqual(
      expect.arrayContaining(['', 'required-values.yaml', 'values-prod.yaml', 'required-values.yaml + all-features-values.yaml']),
    );
  });

  it('should render every standard case into objects that pass the Kubernetes schemas and the operator checks', () => {
    expect(standard.report.releases.map((r) => [r.name, r.problems])).toEqual(standard.report.releases.map((r) => [r.name, []]));
    expect(standard.status).toBe(0);
  });

  it('should render the server, its migration hook and its helm test pod by default', () => {
    const defaults = standard.report.releases.find((r) => r.name.startsWith('default values'))!;
    expect(defaults.objects.sort()).toEqual(
      [
        'ConfigMap/esr-gateway',
        'Deployment/esr-gateway',
        'Job/esr-gateway-migrate',
        'NetworkPolicy/esr-gateway',
        'NetworkPolicy/esr-gateway-migrate',
        'Pod/esr-gateway-test-ready',
        'PodDisruptionBudget/esr-gateway',
        'Service/esr-gateway',
        'ServiceAccount/esr-gateway',
      ].sort(),
    );
  });

  it('should render every optional part (ServiceMonitor, PrometheusRule, HPA, NetworkPolicies) when switched on', () => {
    const everything = standard.report.releases.find((r) => r.name.startsWith('every optional part'))!;
    const kinds = new Set(everything.objects.map((o) => o.split('/')[0]));
    for (const kind of [
      'ServiceMonitor',
      'PrometheusRule',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Job',
      'Pod',
    ])
      expect([kind, kinds.has(kind)]).toEqual([kind, true]);
    expect(standard.report.releases.map((r) => r.name)).toContain('values-prod.yaml');
  });

  it('should refuse to render without a Secret, an ESR URL or real network peers, and with values that would fail open', () => {
    expect(standard.report.refusals.length).toBeGreaterThanOrEqual(9);
    for (const r of standard.report.refusals)
      expect([r.name, r.refused, r.message]).toEqual([r.name, true, expect.stringContaining(r.expected)]);
  });

  it('should report every problem of a deliberately broken values file (schema validation skipped)', () => {
    const { status, report } = checkChart(
      '-f',
      'helm/esr-gateway/ci/required-values.yaml',
      '-f',
      'test/deploy/fixtures/broken-values.yaml',
      '--skip-schema-validation',
    );
    expect(status).toBe(1);
    const problems = report.releases[0].problems;
    for (const expected of [
      'ConfigMap/esr-gateway: carries the secret key API_KEYS',
      'ConfigMap/esr-gateway: API_KEYS holds an API key entry (id:secret:scopes)',
      'ConfigMap/esr-gateway: ESR_BASE_URL holds a URL with a password in it',
      'Deployment/esr-gateway: container esr-gateway may run as root (runAsNonRoot is not true)',
      'Deployment/esr-gateway: container esr-gateway runs as uid 0',
      'Deployment/esr-gateway: container esr-gateway has a writable root filesystem (readOnlyRootFilesystem is not true)',
      'Deployment/esr-gateway: container esr-gateway allows privilege escalation',
      'Deployment/esr-gateway: container esr-gateway does not drop all capabilities',
      'Deployment/esr-gateway: container esr-gateway adds capabilities NET_ADMIN',
      'Deployment/esr-gateway: container esr-gateway has no seccomp profile (Unconfined)',
      'Deployment/esr-gateway: container esr-gateway has no resources.limits.memory',
      'Job/esr-gateway-migrate: container migrate may run as root (runAsNonRoot is not true)',
      'Job/esr-gateway-migrate: container migrate sets API_KEYS without a secretKeyRef',
      'PodDisruptionBudget/esr-gateway: allows no disruption with 1 replica(s), so node drains during a rollout would block',
    ])
      expect(problems).toContain(expected);
  }, 60_000);

  it('should have the schema refuse the same broken values file before anything renders', () => {
    const { status, report } = checkChart(
      '-f',
      'helm/esr-gateway/ci/required-values.yaml',
      '-f',
      'test/deploy/fixtures/broken-values.yaml',
    );
    expect(status).toBe(1);
    const failure = report.releases[0].problems.join('\n');
    expect(failure).toContain("values don't meet the specifications of the schema");
    for (const field of ['/config', '/podSecurityContext/runAsNonRoot', '/containerSecurityContext/readOnlyRootFilesystem'])
      expect(failure).toContain(field);
  }, 60_000);
});

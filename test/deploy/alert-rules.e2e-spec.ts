/**
 * The chart's alerts, rendered by helm and run by promtool (Debian's prometheus package, fetched by
 * scripts/promtool.sh where absent): `promtool check rules` on the rendered groups and
 * `promtool test rules` on the cases in test/deploy/alerts/, which must make every alert fire at
 * least once and stay quiet at least once.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

const root = path.resolve(__dirname, '../..');
const casesDir = path.join(root, 'test/deploy/alerts');
const template = path.join(root, 'helm/esr-gateway/templates/prometheusrule.yaml');

interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}

function run(command: string, args: string[], cwd = root): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 16 << 20 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The rule groups helm renders for a release `esr-gateway` in namespace `esr-gateway`. */
function renderedGroups(...valuesFiles: string[]): unknown {
  const args = ['scripts/helm.sh', 'template', 'esr-gateway', 'helm/esr-gateway', '-n', 'esr-gateway'];
  for (const file of valuesFiles) args.push('-f', file);
  args.push('--set', 'prometheusRule.enabled=true', '--show-only', 'templates/prometheusrule.yaml');
  const rendered = run('bash', args);
  if (rendered.status !== 0) throw new Error(`helm template failed: ${rendered.output}`);
  const docs = parseAllDocuments(rendered.output.slice(rendered.output.indexOf('---'))).map(
    (d) => d.toJS() as { kind?: string; spec?: { groups: unknown } },
  );
  const rule = docs.find((d) => d?.kind === 'PrometheusRule');
  if (!rule?.spec) throw new Error('no PrometheusRule rendered');
  return rule.spec.groups;
}

const alertsOfTemplate = () => [...readFileSync(template, 'utf8').matchAll(/^\s*- alert: (\w+)\s*$/gm)].map((m) => m[1]).sort();
const caseFiles = () => readdirSync(casesDir).filter((f) => f.endsWith('.test.yaml'));

describe('PrometheusRule alerts (promtool)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'esr-alerts-'));
    writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: renderedGroups('helm/esr-gateway/ci/required-values.yaml') }));
    writeFileSync(
      path.join(dir, 'prod-rules.yaml'),
      stringify({ groups: renderedGroups('helm/esr-gateway/values-prod.yaml', 'helm/esr-gateway/ci/required-values.yaml') }),
    );
    for (const file of caseFiles()) copyFileSync(path.join(casesDir, file), path.join(dir, file));
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should render rules that promtool accepts, with the default values and with values-prod.yaml', () => {
    const checked = run('bash', [path.join(root, 'scripts/promtool.sh'), 'check', 'rules', 'rules.yaml', 'prod-rules.yaml'], dir);
    expect(checked.output).toContain(`SUCCESS: ${alertsOfTemplate().length} rules found`);
    expect(checked.status).toBe(0);
  }, 300_000);

  it('should pass every promtool unit test of test/deploy/alerts', () => {
    const tested = run('bash', [path.join(root, 'scripts/promtool.sh'), 'test', 'rules', ...caseFiles()], dir);
    expect({ status: tested.status, failed: tested.output.includes('FAILED') ? tested.output : '' }).toEqual({ status: 0, failed: '' });
  }, 300_000);

  it('should have a case where each alert of the chart fires and one where it stays quiet', () => {
    const fires = new Set<string>();
    const quiet = new Set<string>();
    for (const file of caseFiles()) {
      const doc = parse(readFileSync(path.join(casesDir, file), 'utf8')) as { tests: RuleTest[] };
      for (const check of doc.tests.flatMap((t) => t.alert_rule_test ?? [])) {
        (check.exp_alerts && check.exp_alerts.length > 0 ? fires : quiet).add(check.alertname);
      }
    }
    expect({ fires: [...fires].sort(), quiet: [...quiet].sort() }).toEqual({ fires: alertsOfTemplate(), quiet: alertsOfTemplate() });
  });
});

#!/usr/bin/env node
// Renders the Helm chart and checks what it renders (run by `npm test` through
// test/deploy/chart-render.e2e-spec.ts; by hand: node scripts/check-chart.mjs).
//
//   node scripts/check-chart.mjs                 every standard case (below); exit 1 on any problem
//   node scripts/check-chart.mjs -f my.yaml ...  one release rendered with these values files over
//                                                values.yaml [--skip-schema-validation]
//   --json                                       the report as JSON
//
// Standard cases: `helm lint --strict` and `helm template` with the default values (plus the values
// every installation must add, ci/required-values.yaml), with each values-*.yaml, and with every
// optional part switched on (ci/all-features-values.yaml); each rendered object is validated against
// the Kubernetes schemas and checked by scripts/chart/checks.mjs. Refusals: values that leave out
// what the chart requires must fail to render with a message naming the value.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { checkRelease } from './chart/checks.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const chart = 'helm/esr-gateway';
const helm = (args) =>
  spawnSync('bash', [path.join(root, 'scripts/helm.sh'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
const fileArgs = (files) => files.flatMap((f) => ['-f', f]);

function lint(files) {
  const r = helm(['lint', '--strict', chart, ...fileArgs(files)]);
  const output = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && /0 chart\(s\) failed/.test(output), output: output.trim() };
}

/** helm template as an install of release "esr-gateway" in namespace "esr-gateway" (hooks and tests included). */
function render(files, extra = []) {
  const r = helm(['template', 'esr-gateway', chart, '--namespace', 'esr-gateway', ...fileArgs(files), ...extra]);
  if (r.status !== 0) return { error: r.stderr.trim() || `helm exited ${r.status}` };
  const docs = parseAllDocuments(r.stdout);
  const bad = docs.flatMap((d) => d.errors.map((e) => e.message));
  if (bad.length) return { error: `rendered YAML does not parse: ${bad.join('; ')}` };
  return { objects: docs.map((d) => d.toJS()).filter((o) => o && typeof o === 'object') };
}

function releaseCase(name, files, extra = []) {
  const started = Date.now();
  const rendered = render(files, extra);
  const problems = rendered.error ? [`helm template failed: ${rendered.error}`] : checkRelease(rendered.objects);
  const objects = (rendered.objects ?? []).map((o) => `${o.kind}/${o.metadata?.name}`);
  return { name, files, objects, problems, ms: Date.now() - started };
}

function standardCases() {
  const required = `${chart}/ci/required-values.yaml`;
  const everything = `${chart}/ci/all-features-values.yaml`;
  const valuesFiles = readdirSync(path.join(root, chart))
    .filter((f) => /^values-.+\.ya?ml$/.test(f))
    .sort()
    .map((f) => `${chart}/${f}`);
  const set = (...pairs) => pairs.flatMap((p) => ['--set', p]);
  const releases = [
    releaseCase('default values (values.yaml + ci/required-values.yaml)', [required]),
    ...valuesFiles.map((f) => releaseCase(path.basename(f), [f])),
    releaseCase('every optional part on (ci/all-features-values.yaml)', [required, everything]),
    releaseCase('secrets as environment variables (secret.mountAs=env)', [required], set('secret.mountAs=env')),
    releaseCase(
      'secrets from the Secrets Store CSI driver, private_key_jwt',
      [required],
      set(
        'secret.name=',
        'secret.csi.secretProviderClass=esr-gateway-key-vault',
        'secret.keys.ESR_CLIENT_SECRET=',
        'secret.keys.ESR_CLIENT_PRIVATE_KEY=esr-client-key',
        'config.ESR_CLIENT_AUTH=private_key_jwt',
        'config.ESR_CLIENT_KEY_ID=esr-gateway-2026',
      ),
    ),
  ];
  const lints = [[], [required], ...valuesFiles.map((f) => [f]), [required, everything]].map((files) => ({
    files,
    ...lint(files),
  }));
  // Each refusal: values that leave something out, and the words the error must contain.
  const refusals = [
    ['values.yaml alone (no Secret named)', [], [], 'secret.name is required'],
    ['no ESR_BASE_URL', [required], set('config.ESR_BASE_URL='), 'config.ESR_BASE_URL is required'],
    [
      'NetworkPolicy without PostgreSQL peers',
      [required],
      ['--set-json', 'networkPolicy.egress.postgresql.to=[]'],
      'networkPolicy.egress.postgresql.to is empty',
    ],
    [
      'NetworkPolicy without Redis peers',
      [required],
      ['--set-json', 'networkPolicy.egress.redis.to=[]'],
      'networkPolicy.egress.redis.to is empty',
    ],
    [
      'NetworkPolicy without ESR peers',
      [required],
      ['--set-json', 'networkPolicy.egress.esr.to=[]'],
      'networkPolicy.egress.esr.to is empty',
    ],
    [
      'WEBHOOK_URL without webhook receiver peers',
      [required],
      set('config.WEBHOOK_URL=https://portal.example.org/hooks/esr', 'secret.keys.WEBHOOK_SECRET=WEBHOOK_SECRET'),
      'networkPolicy.egress.webhook.to is empty',
    ],
    ['WEBHOOK_URL without its signing secret', [required], set('config.WEBHOOK_URL=https://portal.example.org/hooks/esr'), 'secret.keys.WEBHOOK_SECRET'],
    ['API_KEYS not from the Secret', [required], set('secret.keys.API_KEYS='), 'API_KEYS'],
    ['NODE_ENV overridden through extraEnv', [required], set('extraEnv[0].name=NODE_ENV', 'extraEnv[0].value=development'), 'extraEnv'],
    ['a secret under config', [required], set('config.AUDIT_HMAC_SECRET=abcdefghijklmnopqrstuvwxyz'), 'AUDIT_HMAC_SECRET'],
    ['runAsNonRoot false', [required], set('podSecurityContext.runAsNonRoot=false'), 'runAsNonRoot'],
    ['no ESR client secret', [required], set('secret.keys.ESR_CLIENT_SECRET='), 'ESR_CLIENT_SECRET'],
    [
      'private_key_jwt without its key',
      [required],
      set('config.ESR_CLIENT_AUTH=private_key_jwt', 'config.ESR_CLIENT_KEY_ID=k1'),
      'ESR_CLIENT_PRIVATE_KEY',
    ],
    [
      'a SecretProviderClass with secrets as environment variables',
      [required],
      set('secret.csi.secretProviderClass=kv', 'secret.mountAs=env'),
      'needs secret.mountAs=files',
    ],
  ].map(([name, files, extra, expected]) => {
    const r = render(files, extra);
    return { name, refused: Boolean(r.error), expected, message: r.error ?? 'rendered', ok: Boolean(r.error?.includes(expected)) };
  });
  return { releases, lints, refusals };
}

function main(argv) {
  const json = argv.includes('--json');
  const files = argv.flatMap((a, i) => (argv[i - 1] === '-f' ? [a] : []));
  const extra = argv.includes('--skip-schema-validation') ? ['--skip-schema-validation'] : [];
  const report = files.length ? { releases: [releaseCase(files.join(' + '), files, extra)], lints: [], refusals: [] } : standardCases();
  const failed = report.releases.some((r) => r.problems.length) || report.lints.some((l) => !l.ok) || report.refusals.some((r) => !r.ok);
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...report, ok: !failed }, null, 2)}\n`);
  } else {
    for (const l of report.lints) console.log(`${l.ok ? 'ok  ' : 'FAIL'} helm lint --strict ${[chart, ...fileArgs(l.files)].join(' ')}`);
    for (const r of report.releases) {
      console.log(`${r.problems.length ? 'FAIL' : 'ok  '} helm template: ${r.name}: ${r.objects.length} objects checked in ${r.ms} ms`);
      for (const p of r.problems) console.log(`       - ${p}`);
    }
    for (const r of report.refusals)
      console.log(
        `${r.ok ? 'ok  ' : 'FAIL'} refused: ${r.name}: ${r.message.split('\n').find((line) => line.includes(r.expected)) ?? r.message.split('\n')[0]}`,
      );
    console.log(failed ? 'chart checks FAILED' : 'chart checks passed');
  }
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));

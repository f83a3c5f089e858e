/**
 * Static checks of the deployment artefacts: the Helm chart's values against values.schema.json
 * (ajv), the templates' .Values references, the Dockerfile's rules and dockerfilelint, the Grafana
 * dashboard and the PrometheusRule alerts. The chart is rendered and its output checked in
 * chart-render.e2e-spec.ts; the image is built and run by `npm run test:image`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import { parseIsoDuration } from '../../src/domain/duration';
import { EnvironmentVariables, validateEnvironment } from '../../src/config/env.schema';
import { startTestApp } from '../support/test-env';

const root = path.resolve(__dirname, '../..');
const chartDir = path.join(root, 'helm/esr-gateway');
const templatesDir = path.join(chartDir, 'templates');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

type Values = Record<string, unknown>;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's merge of a values file over the chart defaults: maps merge, everything else replaces. */
function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = isObject(value) && isObject(base[key]) ? mergeValues(base[key], value) : value;
  }
  return out;
}

function templateFiles(dir = templatesDir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? templateFiles(full) : [full];
  });
}

const defaults = parseYaml(read('helm/esr-gateway/values.yaml')) as Values;
const prod = mergeValues(defaults, parseYaml(read('helm/esr-gateway/values-prod.yaml')) as Values);

/** The metrics the service exposes (names as agreed), with their types. */
const SERVICE_METRICS: Record<string, 'counter' | 'gauge' | 'histogram'> = {
  esr_gateway_http_request_duration_seconds: 'histogram',
  esr_gateway_esr_requests_total: 'counter',
  esr_gateway_esr_request_duration_seconds: 'histogram',
  esr_gateway_esr_circuit_breaker_state: 'gauge',
  esr_gateway_esr_retries_total: 'counter',
  esr_gateway_esr_token_fetches_total: 'counter',
  esr_gateway_sync_runs_total: 'counter',
  esr_gateway_sync_last_success_timestamp_seconds: 'gauge',
  esr_gateway_sync_duration_seconds: 'histogram',
  esr_gateway_sync_held_removals: 'gauge',
  esr_gateway_sync_consecutive_failures: 'gauge',
  esr_gateway_sync_lease_holder: 'gauge',
  esr_gateway_job_runs_total: 'counter',
  esr_gateway_job_duration_seconds: 'histogram',
  esr_gateway_job_lease_held: 'gauge',
  esr_gateway_credential_searches_total: 'counter',
  esr_gateway_esr_budget_wait_seconds: 'histogram',
  esr_gateway_esr_budget_saturated_total: 'counter',
  esr_gateway_esr_budget_used: 'gauge',
  esr_gateway_esr_budget_fallback: 'gauge',
  esr_gateway_webhook_backlog: 'gauge',
  esr_gateway_webhook_attempts_total: 'counter',
  esr_gateway_mapping_cache_lookups_total: 'counter',
  esr_gateway_mapping_cache_repairs_total: 'counter',
  esr_gateway_mapping_cache_check_last_success_timestamp_seconds: 'gauge',
  esr_gateway_audit_events_purged_total: 'counter',
};

/** Series names a query may use: the service metrics plus prom-client's default process metrics. */
async function allowedSeriesNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const defaultMetrics = (await registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)] as const);
  registry.clear();
  const names = new Set<string>();
  for (const [name, type] of [...Object.entries(SERVICE_METRICS), ...defaultMetrics]) {
    if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((suffix) => names.add(name + suffix));
    else names.add(name);
  }
  return names;
}

/** PromQL functions, aggregations and keywords (plus Grafana's label_values). */
const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'predict_linear',
  'resets',
  'changes',
  'histogram_quantile',
  'time',
  'timestamp',
  'vector',
  'scalar',
  'abs',
  'ceil',
  'floor',
  'round',
  'clamp',
  'clamp_min',
  'clamp_max',
  'absent',
  'absent_over_time',
  'label_replace',
  'label_join',
  'sort',
  'sort_desc',
  'min_over_time',
  'max_over_time',
  'avg_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'quantile_over_time',
  'stddev_over_time',
  'present_over_time',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'label_values',
]);

/** Metric names in a PromQL expression (Helm template actions and Grafana variables allowed). */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/\{\{[\s\S]*?\}\}/g, '1') // Helm template actions
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals (label values, Grafana variables)
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range and subquery selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1') // grouping labels
    .replace(/\blabel_values\((.*),\s*\w+\s*\)/g, 'label_values($1)') // Grafana: label name argument
    .replace(/\$\w+/g, '') // Grafana variables
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ''); // numbers
  return (stripped.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? []).filter((token) => !PROMQL_WORDS.has(token));
}

/** The alerts of the PrometheusRule template: name, expression, labels and annotations text. */
function alertsInRuleTemplate(): { alert: string; expr: string; block: string }[] {
  const lines = read('helm/esr-gateway/templates/prometheusrule.yaml').split('\n');
  const alerts: { alert: string; expr: string; block: string }[] = [];
  lines.forEach((line, index) => {
    const match = /^(\s*)- alert: (\w+)\s*$/.exec(line);
    if (!match) return;
    const indent = match[1].length;
    const block: string[] = [];
    for (let i = index + 1; i < lines.length; i++) {
      const l = lines[i];
      const ind = l.length - l.trimStart().length;
      if (l.trim() !== '' && ind <= indent && !l.trim().startsWith('{{')) break;
      block.push(l);
    }
    const exprStart = block.findIndex((l) => /^\s*expr: \|\s*$/.test(l));
    const exprIndent = block[exprStart].length - block[exprStart].trimStart().length;
    const expr: string[] = [];
    for (const l of block.slice(exprStart + 1)) {
      if (l.trim() !== '' && l.length - l.trimStart().length <= exprIndent) break;
      expr.push(l.trim());
    }
    alerts.push({ alert: match[2], expr: expr.join(' '), block: block.join('\n') });
  });
  return alerts;
}

/** Dockerfile instructions (continuations joined, comments dropped) grouped by build stage. */
function dockerfileStages(): { from: string; name?: string; instructions: { op: string; args: string }[] }[] {
  const joined = read('Dockerfile')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: { from: string; name?: string; instructions: { op: string; args: string }[] }[] = [];
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const op = match[1].toUpperCase();
    const args = match[2].trim();
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: from?.[1] ?? args, name: from?.[2], instructions: [] });
    } else stages.at(-1)?.instructions.push({ op, args });
  }
  return stages;
}

describe('Helm chart esr-gateway', () => {
  let validate: ValidateFunction;

  beforeAll(() => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(read('helm/esr-gateway/values.schema.json')));
  });

  const errorsOf = (values: unknown): string =>
    validate(values) ? '' : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ');

  it('should parse Chart.yaml as a v2 application chart whose appVersion is the package version', () => {
    const chart = parseYaml(read('helm/esr-gateway/Chart.yaml')) as Record<string, unknown>;
    const pkg = JSON.parse(read('package.json')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'esr-gateway', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(chart.appVersion).toBe(pkg.version);
    expect(chart).not.toHaveProperty('dependencies'); // no library charts
  });

  it('should accept values.yaml against values.schema.json', () => {
    expect(errorsOf(defaults)).toBe('');
  });

  it('should accept values-prod.yaml (merged over values.yaml, as helm does) against values.schema.json', () => {
    expect(errorsOf(prod)).toBe('');
    expect(prod).toMatchObject({ autoscaling: { enabled: true }, secret: { name: expect.stringMatching(/.+/) } });
    expect((prod.autoscaling as { minReplicas: number }).minReplicas).toBeGreaterThan(1);
    expect((prod.secret as { keys: Record<string, string> }).keys.REDIS_URL).not.toBe('');
  });

  it('should keep /docs and /openapi.json off by default and in values-prod.yaml (settable through config.DOCS_ENABLED)', () => {
    expect((defaults.config as Record<string, unknown>).DOCS_ENABLED).toBe(false);
    expect((prod.config as Record<string, unknown>).DOCS_ENABLED).toBe(false);
    expect(errorsOf(mergeValues(prod, { config: { DOCS_ENABLED: true } }))).toBe('');
  });

  it('should accept private_key_jwt with its key and kid, secrets from a SecretProviderClass, and an egress proxy', () => {
    const values = mergeValues(defaults, {
      secret: {
        name: '',
        csi: { secretProviderClass: 'esr-gateway-key-vault' },
        keys: { ESR_CLIENT_SECRET: '', ESR_CLIENT_PRIVATE_KEY: 'ESR_CLIENT_PRIVATE_KEY', WEBHOOK_SECRET: 'WEBHOOK_SECRET' },
      },
      config: {
        ESR_CLIENT_AUTH: 'private_key_jwt',
        ESR_CLIENT_KEY_ID: 'esr-gateway-2026',
        HTTPS_PROXY: 'http://proxy.trust.example:3128',
        NO_PROXY: '.svc.cluster.local,localhost',
      },
    });
    expect(errorsOf(values)).toBe('');
  });

  it.each([
    ['an unknown top-level key', { replicas: 3 }],
    ['a secret placed in the ConfigMap settings', { config: { DATABASE_URL: 'postgres://u:p@db/esr' } }],
    ['a malformed duration', { config: { SYNC_INTERVAL: '5 minutes' } }],
    ['a malformed VPD list', { config: { ESR_VPDS: '979;123' } }],
    ['a replica count given as text', { replicaCount: 'three' }],
    ['no key name for DATABASE_URL', { secret: { keys: { DATABASE_URL: '' } } }],
    ['an unknown probe field', { probes: { liveness: { path: '/live' } } }],
    ['a bad pull policy', { image: { pullPolicy: 'Sometimes' } }],
    ['a bad topology rule', { topologySpread: { nodes: { whenUnsatisfiable: 'Maybe' } } }],
    ['a network peer with an unknown field', { networkPolicy: { ingress: { from: [{ namespace: 'portal' }] } } }],
    ['runAsNonRoot false', { podSecurityContext: { runAsNonRoot: false } }],
    ['uid 0', { podSecurityContext: { runAsUser: 0 } }],
    ['a writable root filesystem', { containerSecurityContext: { readOnlyRootFilesystem: false } }],
    ['capabilities kept', { containerSecurityContext: { capabilities: { drop: [] } } }],
    ['an unconfined seccomp profile', { podSecurityContext: { seccompProfile: { type: 'Unconfined' } } }],
    ['NODE_ENV overridden through extraEnv', { extraEnv: [{ name: 'NODE_ENV', value: 'development' }] }],
    ['API_KEYS given as a literal through extraEnv', { extraEnv: [{ name: 'API_KEYS', value: 'p:secret-secret:portal' }] }],
    ['a sandbox setting through extraEnv', { extraEnv: [{ name: 'SANDBOX_SEED', value: '1' }] }],
    ['no key name for ESR_CLIENT_SECRET', { secret: { keys: { ESR_CLIENT_SECRET: '' } } }],
    [
      'private_key_jwt without a key name for ESR_CLIENT_PRIVATE_KEY',
      { config: { ESR_CLIENT_AUTH: 'private_key_jwt', ESR_CLIENT_KEY_ID: 'k1' } },
    ],
    [
      'private_key_jwt without ESR_CLIENT_KEY_ID',
      { config: { ESR_CLIENT_AUTH: 'private_key_jwt' }, secret: { keys: { ESR_CLIENT_PRIVATE_KEY: 'ESR_CLIENT_PRIVATE_KEY' } } },
    ],
    ['an unknown way of reading the secrets', { secret: { mountAs: 'volume' } }],
    ['a proxy URL with credentials in it', { config: { HTTPS_PROXY: 'http://user:pass@proxy.example.org:3128' } }],
    ['credentials in ESR_BASE_URL', { config: { ESR_BASE_URL: 'https://user:pass@esr.example.org' } }],
  ])('should reject a values file with %s', (_case, override) => {
    expect(errorsOf(mergeValues(defaults, override as Values))).not.toBe('');
  });

  it("should keep every config default equal to the service default, but the chart's deliberate choices", () => {
    // A cluster is production: the browsable API page and the document are off unless chosen.
    // OTEL_SERVICE_NAME is read by the OpenTelemetry SDK itself, not by the service's own settings.
    const chartChoices: Record<string, unknown> = { DOCS_ENABLED: false, OTEL_SERVICE_NAME: 'esr-gateway' };
    const serviceDefaults = { ...(new EnvironmentVariables() as unknown as Record<string, unknown>), ...chartChoices };
    const config = defaults.config as Record<string, unknown>;
    for (const [name, value] of Object.entries(config)) {
      expect([name, name in serviceDefaults || value === '']).toEqual([name, true]);
      expect([name, value === '' ? undefined : value]).toEqual([name, serviceDefaults[name]]);
    }
  });

  it('should give the service a valid environment from values-prod.yaml and the secret keys', () => {
    const config = prod.config as Record<string, unknown>;
    const shutdown = prod.shutdown as { appGracePeriodSeconds: number };
    const env: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(config)
          .filter(([, v]) => v !== '')
          .map(([k, v]) => [k, String(v)]),
      ),
      SHUTDOWN_GRACE_PERIOD: `PT${shutdown.appGracePeriodSeconds}S`,
      DATABASE_MIGRATIONS_RUN: 'false',
      DATABASE_URL: 'postgres://esr:esr@postgres:5432/esr',
      REDIS_URL: 'redis://redis:6379/0',
      API_KEYS: 'portal1:portal-secret-0001:portal,ops1:ops-secret-00001:ops',
      ESR_CLIENT_SECRET: 'client-secret-0001',
      AUDIT_HMAC_SECRET: 'audit-hmac-secret-0123456789',
    };
    expect(() => validateEnvironment(env)).not.toThrow();
    expect(() =>
      validateEnvironment({
        ...env,
        ...Object.fromEntries(
          Object.entries(defaults.config as Values)
            .filter(([, v]) => v !== '')
            .map(([k, v]) => [k, String(v)]),
        ),
      }),
    ).not.toThrow();
  });

  it('should stop pods only after the preStop sleep and the service grace period have passed', () => {
    for (const values of [defaults, prod]) {
      const s = values.shutdown as { preStopSleepSeconds: number; appGracePeriodSeconds: number; terminationGracePeriodSeconds: number };
      expect(s.terminationGracePeriodSeconds).toBeGreaterThan(s.preStopSleepSeconds + s.appGracePeriodSeconds);
      expect(parseIsoDuration(`PT${s.appGracePeriodSeconds}S`)).toBe(s.appGracePeriodSeconds * 1000);
    }
  });

  it('should reference only .Values paths that exist in values.yaml, and use every value', () => {
    const lookup = (segments: string[]): boolean => {
      let node: unknown = defaults;
      for (const segment of segments) {
        if (!isObject(node) || !(segment in node)) return false;
        node = node[segment];
      }
      return true;
    };
    const referenced: string[] = [];
    const missing: string[] = [];
    for (const file of templateFiles()) {
      const text = readFileSync(file, 'utf8');
      const aliases = new Map<string, string>();
      for (const m of text.matchAll(/\$(\w+)\s*:=\s*\.Values((?:\.\w+)+)/g)) aliases.set(m[1], m[2]);
      const paths = [...text.matchAll(/(?<!\$\w+\s*:=\s*)\.Values((?:\.\w+)+)/g)].map((m) => m[1]);
      const aliasesWithSubPaths = new Set<string>();
      for (const m of text.matchAll(/\$(\w+)((?:\.\w+)+)/g)) {
        if (aliases.has(m[1])) {
          paths.push(aliases.get(m[1]) + m[2]);
          aliasesWithSubPaths.add(m[1]);
        }
      }
      // An alias used whole (e.g. $sel := .Values.prometheusRule.metricSelector) references its own path.
      for (const [alias, aliasPath] of aliases) if (!aliasesWithSubPaths.has(alias)) paths.push(aliasPath);
      for (const p of paths) {
        referenced.push(p);
        if (!lookup(p.slice(1).split('.'))) missing.push(`${path.relative(chartDir, file)}: .Values${p}`);
      }
    }
    expect(missing).toEqual([]);

    const leaves: string[] = [];
    const walk = (node: unknown, prefix: string): void => {
      if (isObject(node) && Object.keys(node).length > 0) Object.entries(node).forEach(([k, v]) => walk(v, `${prefix}.${k}`));
      else leaves.push(prefix);
    };
    walk(defaults, '');
    const unused = leaves.filter((leaf) => !referenced.some((p) => leaf === p || leaf.startsWith(`${p}.`)));
    expect(unused).toEqual([]);
  });

  it('should keep _helpers.tpl to the usual name, label and image helpers, the one validation and the secret wiring pods and Job share', () => {
    const helpers = [...read('helm/esr-gateway/templates/_helpers.tpl').matchAll(/define "([^"]+)"/g)].map((m) => m[1]);
    expect(helpers.sort()).toEqual(
      [
        'chart',
        'fullname',
        'image',
        'labels',
        'name',
        'secretEnv',
        'secretVolume',
        'secretVolumeMount',
        'selectorLabels',
        'serviceAccountName',
        'validate',
      ]
        .map((h) => `esr-gateway.${h}`)
        .sort(),
    );
    expect(existsSync(path.join(templatesDir, 'secret.yaml'))).toBe(false); // secrets only from an existing Secret
  });

  it('should alert on failing or stale sync per VPD, held removals, an open breaker, 5xx, ESR latency, webhooks, the mirror, the audit purge, the ESR budget and lost leases', () => {
    const alerts = alertsInRuleTemplate();
    const find = (metric: string, extra: RegExp = /./) => alerts.filter((a) => a.expr.includes(metric) && extra.test(a.expr));
    expect(find('esr_gateway_sync_consecutive_failures', /by \([^)]*\bvpd\b/)).not.toHaveLength(0);
    expect(find('esr_gateway_sync_last_success_timestamp_seconds', /time\(\) - max by \([^)]*\bvpd\b/)).not.toHaveLength(0);
    expect(find('esr_gateway_sync_held_removals', /> 0/)).not.toHaveLength(0);
    expect(find('esr_gateway_esr_circuit_breaker_state')).not.toHaveLength(0);
    expect(find('esr_gateway_http_request_duration_seconds_count', /status=~"5\.\."/)).not.toHaveLength(0);
    expect(find('esr_gateway_esr_request_duration_seconds_bucket', /histogram_quantile/)).not.toHaveLength(0);
    expect(find('esr_gateway_webhook_backlog', /measure="failed"/)).not.toHaveLength(0);
    expect(find('esr_gateway_webhook_backlog', /measure="oldest_pending_age_seconds"/)).not.toHaveLength(0);
    expect(find('esr_gateway_mapping_cache_repairs_total')).not.toHaveLength(0);
    expect(find('esr_gateway_job_runs_total', /job_name="audit-purge"/)).not.toHaveLength(0);
    expect(find('esr_gateway_job_runs_total', /outcome="lease_lost"/)).not.toHaveLength(0);
    expect(find('esr_gateway_esr_budget_saturated_total')).not.toHaveLength(0);
    for (const a of alerts) {
      expect([a.alert, a.block]).toEqual([a.alert, expect.stringMatching(/severity: (warning|critical)/)]);
      expect([a.alert, a.block]).toEqual([a.alert, expect.stringMatching(/summary: /)]);
      expect([a.alert, a.block]).toEqual([a.alert, expect.stringMatching(/description: /)]);
    }
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });

  it('should use only the service metrics and default process metrics in the alerts', async () => {
    const allowed = await allowedSeriesNames();
    for (const { alert, expr } of alertsInRuleTemplate()) {
      expect([alert, metricNamesIn(expr).filter((name) => !allowed.has(name))]).toEqual([alert, []]);
    }
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const final = stages.at(-1)!;
  const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));

  it('should build in at least three stages from the Node 24 LTS slim base with the full version of .node-version', () => {
    const nodeVersion = read('.node-version').trim();
    expect(nodeVersion).toMatch(/^24\.\d+\.\d+$/);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const external = stages.map((s) => s.from).filter((from) => !stageNames.has(from) && from !== 'scratch');
    expect(external.length).toBeGreaterThan(0);
    for (const image of external) expect(image).toBe(`node:${nodeVersion}-bookworm-slim`);
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=24.11.0');
  });

  it('should install with npm ci, build with npm run build and ship production dependencies only', () => {
    const runs = stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args));
    expect(runs.some((r) => /\bnpm ci\b(?!.*--omit=dev)/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (ci|prune) --omit=dev --omit=optional\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    const finalRuns = final.instructions
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' ');
    expect(finalRuns).not.toMatch(/\bnpm (ci|install)\b|\bg\+\+|\bmake\b|python3/); // nothing compiled in the runtime
    const finalCopies = final.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
    const prodDepsStage = stages.find((s) => s.instructions.some((i) => i.op === 'RUN' && /npm (ci|prune) --omit=dev/.test(i.args)))!;
    expect(finalCopies).toContain(`--from=${prodDepsStage.name} /app/node_modules ./node_modules`);
    expect(finalCopies.some((c) => /^--from=\S+ \/app\/dist \.\/dist$/.test(c))).toBe(true);
    expect(finalCopies.some((c) => /(^|\s)\.(\s|$)/.test(c.replace(/^--\S+\s+/, '')))).toBe(false); // no COPY of the whole context
  });

  it('should run as a numeric non-root user in the final stage', () => {
    const users = final.instructions.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
  });

  it('should start through tini so signals reach node', () => {
    const entrypoint = final.instructions.filter((i) => i.op === 'ENTRYPOINT').at(-1)?.args ?? '';
    expect(JSON.parse(entrypoint)).toEqual(['/usr/bin/tini', '--']);
    // The final stage starts FROM scratch and takes its root filesystem from one stage that installs tini.
    const rootCopy = /^--from=(\S+) \/ \/$/.exec(final.instructions.find((i) => i.op === 'COPY')?.args ?? '');
    const rootStage = stages.find((s) => s.name === rootCopy?.[1]);
    expect(final.from).toBe('scratch');
    expect(rootStage?.instructions.some((i) => i.op === 'RUN' && /apt-get install[^&]*\btini\b/.test(i.args))).toBe(true);
    expect(rootStage?.instructions.some((i) => i.op === 'RUN' && /rm -rf[^&]*\/usr\/local\/lib\/node_modules\/npm\b/.test(i.args))).toBe(
      true,
    );
    const cmd = final.instructions.filter((i) => i.op === 'CMD').at(-1)?.args ?? '';
    // The OpenTelemetry hook is loaded before the app; it starts nothing unless OTEL_* ask for traces.
    expect(JSON.parse(cmd)).toEqual(['node', '--import', './dist/common/tracing/register.js', 'dist/main.js']);
  });

  it('should set NODE_ENV=production and expose port 3000', () => {
    const env = final.instructions
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(final.instructions.filter((i) => i.op === 'EXPOSE').map((i) => i.args)).toEqual(['3000']);
  });

  it('should bake in no secrets and copy no .env file', () => {
    const all = stages.flatMap((s) => s.instructions);
    for (const { args } of all.filter((i) => i.op === 'ENV' || i.op === 'ARG')) {
      for (const pair of args.split(/\s+/)) {
        const [name, value = ''] = pair.split('=');
        expect([name, /SECRET|PASSWORD|PASSWD|KEY|TOKEN|CREDENTIAL|DATABASE_URL|REDIS_URL/i.test(name)]).toEqual([name, false]);
        expect([name, /SECRET|PASSWORD|KEY|TOKEN|:\/\/[^/\s]*:[^@\s]*@/i.test(value)]).toEqual([name, false]);
      }
    }
    for (const { args } of all.filter((i) => i.op === 'COPY' || i.op === 'ADD')) {
      expect(args).not.toMatch(/(^|[\s/])\.env\b|\.env(\s|$)/);
    }
  });

  it('should keep node_modules, dist, data, .git, tests and .env files out of the build context', () => {
    const lines = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('*'); // allow-list: everything excluded first
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    expect(allowed.sort()).toEqual(['package-lock.json', 'package.json', 'src', 'tsconfig.build.json', 'tsconfig.json']);
    for (const pattern of ['**/.env', '**/*.env', '**/node_modules']) expect(lines).toContain(pattern);
  });

  it('should pass dockerfilelint with no issues', () => {
    const result = spawnSync(path.join(root, 'node_modules/.bin/dockerfilelint'), ['-j', 'Dockerfile'], { cwd: root, encoding: 'utf8' });
    const report = JSON.parse(result.stdout) as { totalIssues: number; files: { issues: unknown[] }[] };
    expect(report.files.flatMap((f) => f.issues)).toEqual([]);
    expect(report.totalIssues).toBe(0);
    expect(result.status).toBe(0);
  });

  it('should have dockerfilelint report problems in a bad Dockerfile (the linter is live)', () => {
    const bad = 'FROM node:latest\nRUN apt-get update && apt-get install curl\nEXPOSE 80:3000\n';
    const result = spawnSync(path.join(root, 'node_modules/.bin/dockerfilelint'), ['-j', bad], { cwd: root, encoding: 'utf8' });
    const report = JSON.parse(result.stdout) as { totalIssues: number };
    expect(report.totalIssues).toBeGreaterThan(0);
  });
});

describe('Grafana dashboard', () => {
  interface Panel {
    type: string;
    title: string;
    targets?: { expr: string }[];
    datasource?: { uid: string };
    panels?: Panel[];
  }
  const dashboard = JSON.parse(read('deploy/grafana/esr-gateway-dashboard.json')) as {
    uid: string;
    title: string;
    panels: Panel[];
    templating: { list: { name: string; type: string; query: unknown; definition?: string }[] };
  };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const expressions = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('should parse and take its data source from a template variable', () => {
    expect(dashboard.uid).toBe('esr-gateway');
    const datasource = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(datasource).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of panels.filter((panel) => panel.type !== 'row')) {
      expect([p.title, p.datasource?.uid]).toEqual([p.title, '${datasource}']);
    }
  });

  it('should query only the service metrics and default process metrics', async () => {
    const allowed = await allowedSeriesNames();
    const queries = [
      ...expressions,
      ...dashboard.templating.list.filter((v) => v.definition).map((v) => ({ panel: `variable ${v.name}`, expr: v.definition! })),
    ];
    expect(queries.length).toBeGreaterThan(20);
    for (const { panel, expr } of queries) {
      expect([panel, metricNamesIn(expr).filter((name) => !allowed.has(name))]).toEqual([panel, []]);
    }
  });

  it('should chart every service metric and process memory, CPU and event loop lag', () => {
    const all = expressions.map((e) => e.expr).join('\n');
    for (const metric of Object.keys(SERVICE_METRICS)) expect([metric, all.includes(metric)]).toEqual([metric, true]);
    for (const metric of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(all).toContain(metric);
    }
  });

  it('should recognise an unknown metric name as such (the check is live)', async () => {
    const allowed = await allowedSeriesNames();
    expect(metricNamesIn('sum by (vpd) (rate(esr_gateway_sync_run_total{job="$job"}[5m]))').filter((n) => !allowed.has(n))).toEqual([
      'esr_gateway_sync_run_total',
    ]);
  });
});

describe('Metric names the alerts and dashboard rely on', () => {
  it('should all be exposed, with those types, by the running service', async () => {
    const t = await startTestApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: '/metrics' });
      const exposed = Object.fromEntries([...res.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
      for (const [name, type] of Object.entries(SERVICE_METRICS)) expect([name, exposed[name]]).toEqual([name, type]);
    } finally {
      await t.close();
    }
  }, 30_000);
});

// Checks on a RENDERED release of the chart (the objects `helm template` prints), not on template
// text: each object against the Kubernetes schemas (kubernetes-models; Prometheus Operator CRDs from
// @kubernetes-models/prometheus-operator), then the rules operators care about. checkRelease()
// returns a list of problems, each "Kind/name: what is wrong"; empty means the release passes.
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

const MODELS = [
  ConfigMap,
  Service,
  ServiceAccount,
  Pod,
  Deployment,
  Job,
  PodDisruptionBudget,
  NetworkPolicy,
  HorizontalPodAutoscaler,
  ServiceMonitor,
  PrometheusRule,
];

/**
 * Variables that hold secrets: they may only come from a Secret or a vault (a secretKeyRef, or NAME_FILE
 * naming a file on a Secret or Secrets Store CSI volume), never a ConfigMap or a literal.
 */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'REDIS_URL',
  'API_KEYS',
  'ESR_CLIENT_SECRET',
  'ESR_CLIENT_PRIVATE_KEY',
  'AUDIT_HMAC_SECRET',
  'WEBHOOK_SECRET',
  'STATUS_PAGE_SESSION_SECRET',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
];
/** What the service must get in a cluster so that it fails closed (see the reliability issue), besides its ESR credential. */
const REQUIRED_FROM_SECRET = ['DATABASE_URL', 'API_KEYS', 'AUDIT_HMAC_SECRET'];
const CSI_DRIVER = 'secrets-store.csi.k8s.io';
const SECRET_LIKE_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE_KEY|^API_KEYS?$/i;
const SECRET_LIKE_VALUE = [
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password in it'],
  [/(^|,)[\w.-]+:[^:,\s]{8,}:(portal|ops)(\+(portal|ops))?(,|$)/, 'an API key entry (id:secret:scopes)'],
  [/^(local-dev-key|sandbox-secret)$/, 'a built-in development secret'],
];

const name = (o) => `${o?.kind ?? '?'}/${o?.metadata?.name ?? '?'}`;
const matches = (selector = {}, labels = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const hooksOf = (o) =>
  (o.metadata?.annotations?.['helm.sh/hook'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
const hookWeight = (o) => Number(o.metadata?.annotations?.['helm.sh/hook-weight'] ?? 0);

/** The pod template (or pod) of a workload with the labels its pods get, or undefined. */
export function podOf(o) {
  if (o.kind === 'Pod') return { spec: o.spec ?? {}, labels: o.metadata?.labels ?? {} };
  if (o.kind === 'Deployment' || o.kind === 'Job')
    return { spec: o.spec?.template?.spec ?? {}, labels: o.spec?.template?.metadata?.labels ?? {} };
  return undefined;
}

/** The environment a container sees: ConfigMaps named in envFrom (when rendered), then env. */
export function effectiveEnv(container, objects) {
  const env = new Map();
  for (const from of container.envFrom ?? []) {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === from.configMapRef?.name);
    for (const [k, v] of Object.entries(cm?.data ?? {})) env.set((from.prefix ?? '') + k, { value: v, from: name(cm) });
  }
  for (const e of container.env ?? []) env.set(e.name, e.valueFrom ? { valueFrom: e.valueFrom } : { value: e.value ?? '' });
  return env;
}

function checkSchemas(objects, problems) {
  for (const o of objects) {
    const Model = MODELS.find((m) => m.apiVersion === o.apiVersion && m.kind === o.kind);
    if (!Model) {
      problems.push(`${name(o)}: no Kubernetes schema known for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (error) {
      problems.push(`${name(o)}: invalid ${o.apiVersion} ${o.kind}: ${error.message}`);
    }
  }
}

function checkPods(objects, problems) {
  for (const o of objects) {
    const pod = podOf(o);
    if (!pod) continue;
    const { spec } = pod;
    const p = (msg) => problems.push(`${name(o)}: ${msg}`);
    if (spec.automountServiceAccountToken !== false) p('mounts a service-account token (automountServiceAccountToken is not false)');
    for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[host]) p(`uses ${host}`);
    for (const v of spec.volumes ?? []) if (v.hostPath) p(`volume ${v.name} is a hostPath`);
    const podSc = spec.securityContext ?? {};
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const sc = c.securityContext ?? {};
      const at = `container ${c.name}`;
      if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) p(`${at} may run as root (runAsNonRoot is not true)`);
      if ((sc.runAsUser ?? podSc.runAsUser) === 0) p(`${at} runs as uid 0`);
      if (sc.readOnlyRootFilesystem !== true) p(`${at} has a writable root filesystem (readOnlyRootFilesystem is not true)`);
      if (sc.allowPrivilegeEscalation !== false) p(`${at} allows privilege escalation`);
      if (sc.privileged) p(`${at} is privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) p(`${at} does not drop all capabilities`);
      if ((sc.capabilities?.add ?? []).length > 0) p(`${at} adds capabilities ${sc.capabilities.add.join(', ')}`);
      const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') p(`${at} has no seccomp profile (${seccomp ?? 'none'})`);
      for (const field of ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']) {
        const [kind, resource] = field.split('.');
        if (c.resources?.[kind]?.[resource] === undefined) p(`${at} has no resources.${field}`);
      }
      if (!/[:@]/.test(c.image ?? '') || /:latest$/.test(c.image)) p(`${at} image ${c.image} has no fixed tag or digest`);
      for (const e of c.env ?? []) {
        if (SECRET_VARIABLES.includes(e.name) && !e.valueFrom?.secretKeyRef) p(`${at} sets ${e.name} without a secretKeyRef`);
      }
      for (const [k, v] of effectiveEnv(c, objects)) if (/^SANDBOX_/.test(k)) p(`${at} sets ${k}=${v.value} (built-in sandbox settings)`);
    }
  }
}

/**
 * Whether a container reads `variable` from a Secret: a secretKeyRef, or `variable`_FILE naming a file
 * under a read-only mount of a Secret volume or a Secrets Store CSI volume of its pod.
 */
export function readsFromSecret(container, spec, env, variable) {
  if (env.get(variable)?.valueFrom?.secretKeyRef) return true;
  const file = env.get(`${variable}_FILE`)?.value;
  if (!file) return false;
  const mount = (container.volumeMounts ?? []).find((m) => file.startsWith(`${String(m.mountPath).replace(/\/+$/, '')}/`));
  const volume = mount && (spec.volumes ?? []).find((v) => v.name === mount.name);
  return Boolean(mount?.readOnly && (volume?.secret || volume?.csi?.driver === CSI_DRIVER));
}

/** The service must start in production mode with real secrets and a real ESR, whatever the values. */
function checkFailsClosed(container, spec, objects, owner, problems) {
  const env = effectiveEnv(container, objects);
  const p = (msg) => problems.push(`${owner}: container ${container.name} ${msg}`);
  if (env.get('NODE_ENV')?.value !== 'production') p(`does not run with NODE_ENV=production (${env.get('NODE_ENV')?.value ?? 'unset'})`);
  const esr = env.get('ESR_BASE_URL')?.value ?? '';
  if (!/^https?:\/\/[^\s/]+/.test(esr)) p(`has no ESR_BASE_URL, so the built-in sandbox would answer for ESR`);
  else if (/^https?:\/\/(localhost|127\.|\[::1\])/i.test(esr)) p(`points ESR_BASE_URL at the pod itself (${esr})`);
  const credential = env.get('ESR_CLIENT_AUTH')?.value === 'private_key_jwt' ? 'ESR_CLIENT_PRIVATE_KEY' : 'ESR_CLIENT_SECRET';
  for (const v of [...REQUIRED_FROM_SECRET, credential])
    if (!readsFromSecret(container, spec, env, v)) p(`does not read ${v} from a Secret`);
}

function checkConfigMaps(objects, problems) {
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const [k, v] of Object.entries({ ...cm.data, ...cm.binaryData })) {
      if (SECRET_VARIABLES.includes(k) || SECRET_LIKE_NAME.test(k)) problems.push(`${name(cm)}: carries the secret key ${k}`);
      for (const [pattern, what] of SECRET_LIKE_VALUE) if (pattern.test(String(v))) problems.push(`${name(cm)}: ${k} holds ${what}`);
    }
  }
  for (const o of objects.filter((x) => x.kind === 'Secret'))
    problems.push(`${name(o)}: the chart must not render Secrets (they come from an existing one)`);
}

function checkServer(objects, problems) {
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  if (deployments.length !== 1) return void problems.push(`release: expected one Deployment, found ${deployments.length}`);
  const d = deployments[0];
  const labels = podOf(d).labels;
  const p = (msg) => problems.push(`${name(d)}: ${msg}`);
  if (hooksOf(d).length) p(`is a helm hook (${hooksOf(d).join(',')}); it must be an ordinary resource applied after the migration hook`);
  const c = d.spec?.template?.spec?.containers?.[0] ?? {};
  const env = effectiveEnv(c, objects);
  const http = (c.ports ?? []).find((port) => port.name === 'http');
  if (!http) p('has no container port named http');
  else if (String(http.containerPort) !== String(env.get('PORT')?.value ?? 3000))
    p(`port http (${http.containerPort}) is not PORT (${env.get('PORT')?.value})`);
  const probes = { startupProbe: '/health/live', livenessProbe: '/health/live', readinessProbe: '/health/ready' };
  for (const [probe, path] of Object.entries(probes)) {
    const get = c[probe]?.httpGet;
    if (get?.path !== path || (get?.port !== 'http' && get?.port !== http?.containerPort))
      p(`${probe} must GET ${path} on the http port (got ${get ? `${get.path} on ${get.port}` : 'none'})`);
  }
  if (env.get('DATABASE_MIGRATIONS_RUN')?.value !== 'false')
    p('pods would run migrations themselves (DATABASE_MIGRATIONS_RUN is not "false")');
  if (env.get('HOST')?.value !== '0.0.0.0') p(`does not listen on the pod's addresses (HOST=${env.get('HOST')?.value ?? 'unset'})`);
  checkFailsClosed(c, d.spec?.template?.spec ?? {}, objects, name(d), problems);
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  if (d.spec?.strategy?.type === 'Recreate' || (String(ru.maxSurge ?? '25%') === '0' && String(ru.maxUnavailable ?? '25%') === '0'))
    p('rolling update cannot make progress');

  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
  if (hpa && (hpa.spec.scaleTargetRef?.kind !== 'Deployment' || hpa.spec.scaleTargetRef?.name !== d.metadata.name))
    problems.push(`${name(hpa)}: does not scale ${name(d)}`);
  const replicas = hpa ? (hpa.spec.minReplicas ?? 1) : (d.spec?.replicas ?? 1);
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    if (!matches(pdb.spec?.selector?.matchLabels, labels)) problems.push(`${name(pdb)}: does not select the pods of ${name(d)}`);
    const count = (v) => (typeof v === 'string' && v.endsWith('%') ? Math.ceil((parseInt(v, 10) * replicas) / 100) : Number(v));
    const { maxUnavailable, minAvailable } = pdb.spec ?? {};
    const allowed = maxUnavailable !== undefined ? Math.min(count(maxUnavailable), replicas) : replicas - count(minAvailable ?? 0);
    if (!(allowed >= 1))
      problems.push(`${name(pdb)}: allows no disruption with ${replicas} replica(s), so node drains during a rollout would block`);
  }
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    if (!matches(svc.spec?.selector, labels)) problems.push(`${name(svc)}: does not select the pods of ${name(d)}`);
    for (const port of svc.spec?.ports ?? [])
      if (port.targetPort !== 'http' && port.targetPort !== http?.containerPort)
        problems.push(`${name(svc)}: port ${port.name} targets ${port.targetPort}, not the http port`);
  }
  for (const sm of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const svc = objects.find((o) => o.kind === 'Service' && matches(sm.spec?.selector?.matchLabels, o.metadata?.labels));
    if (!svc) problems.push(`${name(sm)}: selects no rendered Service`);
    for (const ep of sm.spec?.endpoints ?? []) {
      if (svc && !(svc.spec.ports ?? []).some((port) => port.name === ep.port))
        problems.push(`${name(sm)}: endpoint port ${ep.port} is not a port of ${name(svc)}`);
      if (ep.path !== '/metrics') problems.push(`${name(sm)}: scrapes ${ep.path}, not /metrics`);
    }
  }
  return d;
}

function checkMigrations(objects, problems) {
  for (const job of objects.filter((o) => o.kind === 'Job')) {
    const hooks = hooksOf(job);
    const p = (msg) => problems.push(`${name(job)}: ${msg}`);
    if (!hooks.includes('pre-install') || !hooks.includes('pre-upgrade'))
      p(`is not a pre-install,pre-upgrade hook (${hooks.join(',') || 'no hook'}), so it would not run before the Deployment`);
    if (!Number.isInteger(hookWeight(job))) p('has a hook weight that is not an integer');
    for (const c of job.spec?.template?.spec?.containers ?? []) checkFailsClosed(c, job.spec.template.spec, objects, name(job), problems);
    const labels = podOf(job).labels;
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const covering = policies.filter((np) => matches(np.spec?.podSelector?.matchLabels, labels));
    if (policies.length > 0 && covering.length === 0) p('is not covered by any NetworkPolicy');
    for (const np of covering) {
      const npHooks = hooksOf(np);
      if (!hooks.every((h) => npHooks.includes(h)) || !(hookWeight(np) < hookWeight(job)))
        problems.push(
          `${name(np)}: must be a ${hooks.join(',')} hook weighted below ${name(job)} (${hookWeight(job)}) to exist before the Job runs`,
        );
    }
  }
}

function checkNetworkPolicies(objects, server, problems) {
  for (const np of objects.filter((o) => o.kind === 'NetworkPolicy')) {
    const p = (msg) => problems.push(`${name(np)}: ${msg}`);
    const types = np.spec?.policyTypes ?? [];
    if (!types.includes('Ingress') || !types.includes('Egress')) p(`does not restrict both ingress and egress (${types.join(',')})`);
    (np.spec?.egress ?? []).forEach((rule, i) => {
      const ports = (rule.ports ?? []).map((x) => x.port).join(',') || 'any port';
      if (!(rule.to ?? []).length) p(`egress rule ${i} (${ports}) allows any destination: list real peers`);
      for (const peer of rule.to ?? []) {
        if (!peer.ipBlock && !peer.namespaceSelector && !peer.podSelector) p(`egress rule ${i} (${ports}) has an empty peer`);
        if (peer.ipBlock && /^(0\.0\.0\.0\/0|::\/0)$/.test(peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).length)
          p(`egress rule ${i} (${ports}) allows every address (${peer.ipBlock.cidr} without except)`);
      }
    });
    (np.spec?.ingress ?? []).forEach((rule, i) => {
      if (!(rule.from ?? []).length) p(`ingress rule ${i} admits any source`);
    });
  }
  if (!server) return;
  const serverLabels = podOf(server).labels;
  const serverPolicy = objects.find((o) => o.kind === 'NetworkPolicy' && matches(o.spec?.podSelector?.matchLabels, serverLabels));
  const testPods = objects.filter((o) => o.kind === 'Pod' && hooksOf(o).includes('test'));
  if (testPods.length === 0) problems.push('release: renders no `helm test` pod');
  for (const pod of testPods) {
    const svc = objects.find((o) => o.kind === 'Service');
    const command = [...(pod.spec?.containers?.[0]?.command ?? []), ...(pod.spec?.containers?.[0]?.args ?? [])].join(' ');
    const url = svc && `http://${svc.metadata.name}.`;
    if (!svc || !command.includes(url) || !command.includes(`:${svc.spec.ports[0].port}/health/ready`))
      problems.push(`${name(pod)}: does not call /health/ready through the Service (${command})`);
    if (
      serverPolicy &&
      !(serverPolicy.spec.ingress ?? []).some((r) =>
        (r.from ?? []).some((f) => f.podSelector && matches(f.podSelector.matchLabels, pod.metadata.labels)),
      )
    )
      problems.push(`${name(serverPolicy)}: does not admit the helm test pod ${name(pod)}`);
  }
}

/** Every problem of one rendered release; [] when it passes. */
export function checkRelease(objects) {
  const problems = [];
  checkSchemas(objects, problems);
  checkPods(objects, problems);
  checkConfigMaps(objects, problems);
  const server = checkServer(objects, problems);
  checkMigrations(objects, problems);
  checkNetworkPolicies(objects, server, problems);
  return problems;
}

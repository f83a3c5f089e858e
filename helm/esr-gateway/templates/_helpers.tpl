{{/*
Chart name, or nameOverride.
*/}}
{{- define "esr-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: release-chart, or the release name when it already contains the chart
name, or fullnameOverride. Truncated at 63 characters (DNS label limit).
*/}}
{{- define "esr-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "esr-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "esr-gateway.labels" -}}
helm.sh/chart: {{ include "esr-gateway.chart" . }}
{{ include "esr-gateway.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels. The service pods add app.kubernetes.io/component: server, so the Service never
selects the migration Job or the test pod.
*/}}
{{- define "esr-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "esr-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
ServiceAccount of the service pods.
*/}}
{{- define "esr-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "esr-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Refuses to render a release that would not fail closed in a cluster. Included by every template
that renders pods or their settings, so `helm template`/`install` stop with one clear message.
*/}}
{{- define "esr-gateway.validate" -}}
{{- if and (not .Values.secret.name) (not .Values.secret.csi.secretProviderClass) }}
{{- fail "secret.name is required: create a Secret with DATABASE_URL, REDIS_URL, API_KEYS, ESR_CLIENT_SECRET and AUDIT_HMAC_SECRET first, or name a SecretProviderClass in secret.csi.secretProviderClass (docs/deployment.md)" }}
{{- end }}
{{- if and .Values.secret.csi.secretProviderClass (ne .Values.secret.mountAs "files") }}
{{- fail "secret.csi.secretProviderClass needs secret.mountAs=files (the CSI driver mounts files)" }}
{{- end }}
{{- if eq (toString .Values.config.ESR_CLIENT_AUTH) "private_key_jwt" }}
{{- if or (not .Values.secret.keys.ESR_CLIENT_PRIVATE_KEY) (not .Values.config.ESR_CLIENT_KEY_ID) }}
{{- fail "config.ESR_CLIENT_AUTH=private_key_jwt needs secret.keys.ESR_CLIENT_PRIVATE_KEY (the PEM key) and config.ESR_CLIENT_KEY_ID (its kid)" }}
{{- end }}
{{- else if not .Values.secret.keys.ESR_CLIENT_SECRET }}
{{- fail "secret.keys.ESR_CLIENT_SECRET is required unless config.ESR_CLIENT_AUTH=private_key_jwt" }}
{{- end }}
{{- $_ := required "config.ESR_BASE_URL is required: the URL of the ESR API (the built-in sandbox never runs in a cluster)" .Values.config.ESR_BASE_URL }}
{{- if and (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) (not (or .Values.secret.keys.REDIS_URL .Values.config.REDIS_SENTINELS .Values.config.REDIS_CLUSTER_NODES)) }}
{{- fail "more than one replica (or autoscaling) needs Redis: set secret.keys.REDIS_URL, config.REDIS_SENTINELS or config.REDIS_CLUSTER_NODES" }}
{{- end }}
{{- if le (int .Values.shutdown.terminationGracePeriodSeconds) (add .Values.shutdown.preStopSleepSeconds .Values.shutdown.appGracePeriodSeconds) }}
{{- fail "shutdown.terminationGracePeriodSeconds must exceed preStopSleepSeconds + appGracePeriodSeconds" }}
{{- end }}
{{- if and .Values.config.WEBHOOK_URL (not .Values.secret.keys.WEBHOOK_SECRET) }}
{{- fail "config.WEBHOOK_URL needs secret.keys.WEBHOOK_SECRET (events are signed)" }}
{{- end }}
{{- if .Values.networkPolicy.enabled }}
{{- $egress := .Values.networkPolicy.egress }}
{{- if not $egress.dns.to }}
{{- fail "networkPolicy.egress.dns.to is empty: list where DNS is served (or set networkPolicy.enabled=false)" }}
{{- end }}
{{- if not $egress.postgresql.to }}
{{- fail "networkPolicy.egress.postgresql.to is empty: list the PostgreSQL peers (ipBlock, namespaceSelector/podSelector) or set networkPolicy.enabled=false" }}
{{- end }}
{{- if and (or .Values.secret.keys.REDIS_URL .Values.config.REDIS_SENTINELS .Values.config.REDIS_CLUSTER_NODES) (not $egress.redis.to) }}
{{- fail "networkPolicy.egress.redis.to is empty: list the Redis peers (ipBlock, namespaceSelector/podSelector) or set networkPolicy.enabled=false" }}
{{- end }}
{{- if and .Values.config.WEBHOOK_URL (not $egress.webhook.to) }}
{{- fail "networkPolicy.egress.webhook.to is empty: list the portal's webhook receiver peers (or the egress proxy that reaches it) or set networkPolicy.enabled=false" }}
{{- end }}
{{- if not $egress.esr.to }}
{{- fail "networkPolicy.egress.esr.to is empty: list the ESR API peers (ipBlock, or a proxy under egress.extra) or set networkPolicy.enabled=false" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The image reference: repository@digest when a digest is set, else repository:tag (tag defaults to
the chart's appVersion).
*/}}
{{- define "esr-gateway.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The secret settings of a container. secret.mountAs files: NAME_FILE naming each file of the mounted
secrets (the service reads them once at start); env: NAME from a secretKeyRef.
*/}}
{{- define "esr-gateway.secretEnv" -}}
{{- range $variable, $key := .Values.secret.keys }}
{{- if $key }}
{{- if eq $.Values.secret.mountAs "files" }}
- name: {{ $variable }}_FILE
  value: {{ printf "%s/%s" $.Values.secret.mountPath $key | quote }}
{{- else }}
- name: {{ $variable }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.secret.name }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The mount of the secret files (secret.mountAs files), read-only.
*/}}
{{- define "esr-gateway.secretVolumeMount" -}}
{{- if eq .Values.secret.mountAs "files" }}
- name: secrets
  mountPath: {{ .Values.secret.mountPath }}
  readOnly: true
{{- end }}
{{- end }}

{{/*
The secret files (secret.mountAs files): the keys of the Secret secret.name that secret.keys names,
readable by the pod's group (fsGroup) only; or the objects of the Secrets Store CSI driver's
SecretProviderClass secret.csi.secretProviderClass, each file named by its objectAlias.
*/}}
{{- define "esr-gateway.secretVolume" -}}
{{- if eq .Values.secret.mountAs "files" }}
- name: secrets
  {{- if .Values.secret.csi.secretProviderClass }}
  csi:
    driver: secrets-store.csi.k8s.io
    readOnly: true
    volumeAttributes:
      secretProviderClass: {{ .Values.secret.csi.secretProviderClass | quote }}
  {{- else }}
  secret:
    secretName: {{ .Values.secret.name }}
    defaultMode: 0440
    items:
      {{- range $key := values .Values.secret.keys | compact | uniq | sortAlpha }}
      - key: {{ $key }}
        path: {{ $key }}
      {{- end }}
  {{- end }}
{{- end }}
{{- end }}

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
{{- if not .Values.secret.name }}
{{- fail "secret.name is required: create a Secret with DATABASE_URL, REDIS_URL, API_KEYS, ESR_CLIENT_SECRET and AUDIT_HMAC_SECRET first (docs/deployment.md)" }}
{{- end }}
{{- $_ := required "config.ESR_BASE_URL is required: the URL of the ESR API (the built-in sandbox never runs in a cluster)" .Values.config.ESR_BASE_URL }}
{{- if and (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) (not (or .Values.secret.keys.REDIS_URL .Values.config.REDIS_SENTINELS .Values.config.REDIS_CLUSTER_NODES)) }}
{{- fail "more than one replica (or autoscaling) needs Redis: set secret.keys.REDIS_URL, config.REDIS_SENTINELS or config.REDIS_CLUSTER_NODES" }}
{{- end }}
{{- if le (int .Values.shutdown.terminationGracePeriodSeconds) (add .Values.shutdown.preStopSleepSeconds .Values.shutdown.appGracePeriodSeconds) }}
{{- fail "shutdown.terminationGracePeriodSeconds must exceed preStopSleepSeconds + appGracePeriodSeconds" }}
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

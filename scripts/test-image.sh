#!/usr/bin/env bash
# npm run test:image: builds the container image with podman and runs it, as docs/deployment.md
# ("Build and run the image") describes. Needs the app built on the host (npm run build: the ESR
# sandbox runs from dist/), PostgreSQL and Redis on 127.0.0.1 (scripts/ensure-services.sh).
#   1. the base image the Dockerfile names, made locally when absent (scripts/image/make-base-image.sh)
#   2. podman build; image size; the image's files (no devDependencies, .ts, source maps, tests,
#      build leftovers, npm); CycloneDX SBOMs of the production dependencies and of the image
#      (scripts/sbom.mjs, into test-results/sbom/), checked against each other
#   3. local mode (NODE_ENV=development, host network, read-only root with only /app/data writable):
#      /health/ready 200, every process runs as the image's non-root uid, HEALTHCHECK passes,
#      SIGTERM exits 0
#   4. production mode against a fresh PostgreSQL database, a Redis key prefix and the ESR sandbox
#      started on its own (npm run sandbox): the migration command of the chart's Job, /health/ready
#      200, API keys enforced (the local key refused), HEALTHCHECK, and a request in flight when
#      SIGTERM arrives is answered before the process exits 0
# Ports: 127.0.0.1:18401 (local mode), 18402 (sandbox), 18403 (production mode).
# Skips (exit 0, saying so) only where podman cannot be installed. Last line: "test:image: N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
# shellcheck source=scripts/image/podman-env.sh
source scripts/image/podman-env.sh

passed=0 failed=0 started=$SECONDS
say() { printf '[test:image %4ss] %s\n' "$((SECONDS - started))" "$*"; }
pass() { passed=$((passed + 1)); say "ok   $*"; }
fail() { failed=$((failed + 1)); say "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
finish() { say "done in $((SECONDS - started)) s"; echo "test:image: $passed passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }

if ! podman_ready; then
  say "SKIPPED: podman cannot be installed on this machine, so the image was neither built nor run"
  echo "test:image: 0 passed, 0 failed, 1 skipped"
  exit 0
fi

image=localhost/esr-gateway:test
run_id=$$
local_name=esr-img-local-$run_id prod_name=esr-img-prod-$run_id
db=esr_img_$run_id prefix="esr-img-$run_id:"
sandbox_pid=
cleanup() {
  podman rm -f -t 0 "$local_name" "$prod_name" >/dev/null 2>&1
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
  redis-cli -h 127.0.0.1 --scan --pattern "$prefix*" 2>/dev/null | xargs -r redis-cli -h 127.0.0.1 del >/dev/null 2>&1
}
trap cleanup EXIT

# -- 1. base image and build ------------------------------------------------------------------
t=$SECONDS
if bash scripts/image/make-base-image.sh; then pass "base image $(dockerfile_base_image "$root") present ($((SECONDS - t)) s)"; else fail "base image"; finish; fi

# npm inside the build needs this machine's CA bundle (TLS to the registry may pass a re-signing
# proxy); it is bind-mounted for the build only, as npm's global config dir, never left in a layer.
build_etc=$IMAGE_CACHE/build-etc
mkdir -p "$build_etc"
cafile=$(npm config get cafile 2>/dev/null)
[ -f "$cafile" ] || cafile=/etc/ssl/certs/ca-certificates.crt
cp "$cafile" "$build_etc/ca-certificates.crt"
printf 'cafile=/usr/local/etc/ca-certificates.crt\n' > "$build_etc/npmrc"
t=$SECONDS
if podman build --network host --format docker -v "$build_etc:/usr/local/etc:ro" -t "$image" . > "$IMAGE_CACHE/build.log" 2>&1; then
  pass "podman build ($((SECONDS - t)) s)"
else
  tail -30 "$IMAGE_CACHE/build.log"; fail "podman build ($((SECONDS - t)) s; log: $IMAGE_CACHE/build.log)"; finish
fi
size=$(podman image inspect --format '{{.Size}}' "$image")
say "image size: $((size / 1000000)) MB ($size bytes); layers:"
podman history --format '{{.Size}}\t{{.CreatedBy}}' "$image" | cut -c1-110 | sed 's/^/             /'
check "image runs as uid 10001 (USER $(podman image inspect --format '{{.Config.User}}' "$image"))" \
  test "$(podman image inspect --format '{{.Config.User}}' "$image")" = 10001:10001

files_container=$(podman create "$image")
podman export "$files_container" | tar -t > "$IMAGE_CACHE/files.txt"
podman rm "$files_container" >/dev/null
check "image holds no devDependencies, .ts, source maps, tests, build leftovers, npm or headers" \
  node scripts/image/check-image-files.mjs < "$IMAGE_CACHE/files.txt"

# CycloneDX SBOMs (production dependencies, and the image) into test-results/sbom: CI keeps them.
check "CycloneDX SBOMs written: $(node scripts/sbom.mjs --image "$image" 2>>"$IMAGE_CACHE/sbom.log" | tr '\n' ' ')" \
  test -s test-results/sbom/esr-gateway-image.cdx.json
check "the image's SBOM lists the npm packages of the production SBOM (but the optional ones it omits), its Debian packages and Node.js" \
  node scripts/image/check-sbom.mjs test-results/sbom/esr-gateway.cdx.json test-results/sbom/esr-gateway-image.cdx.json

# -- helpers ---------------------------------------------------------------------------------------
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
wait_ready() { # url seconds -> 0 once 200
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do [ "$(status "$1")" = 200 ] && return 0; sleep 0.25; done
  return 1
}
run_as_image_user() { # every process of the container runs as the image's uid (esr = 10001)
  local users
  users=$(podman top "$1" user args | tail -n +2 | awk '{ $1 = $1 }; 1')
  say "processes of $1: $(tr '\n' ';' <<< "$users")"
  [ -n "$users" ] && ! awk '{ print $1 }' <<< "$users" | grep -qvxE 'esr|10001'
}
stopped_cleanly() { # name -> SIGTERM (podman stop), then exit code 0
  local t
  t=$(date +%s%3N)
  podman stop -t 20 "$1" >/dev/null 2>>"$IMAGE_CACHE/podman.log"
  local code
  code=$(podman inspect --format '{{.State.ExitCode}}' "$1")
  say "$1 stopped in $(($(date +%s%3N) - t)) ms with exit code $code"
  [ "$code" = 0 ]
}
read_only=(--read-only --read-only-tmpfs=false --tmpfs '/app/data:rw,U,size=64m')

# -- 2. local mode ---------------------------------------------------------------------------------
t=$SECONDS
podman run -d --name "$local_name" --network host "${read_only[@]}" \
  -e NODE_ENV=development -e HOST=127.0.0.1 -e PORT=18401 "$image" >/dev/null 2>>"$IMAGE_CACHE/podman.log"
if wait_ready http://127.0.0.1:18401/health/ready 60; then pass "local mode: /health/ready 200 ($((SECONDS - t)) s to ready)"; else podman logs "$local_name" | tail -20; fail "local mode: /health/ready"; fi
check "local mode: every process runs as the non-root uid" run_as_image_user "$local_name"
check "local mode: root filesystem is read-only" bash -c "! podman exec $local_name sh -c 'echo x > /app/x' 2>/dev/null"
check "local mode: SQLite database written to the one writable dir /app/data" podman exec "$local_name" test -s /app/data/esr-gateway.sqlite
healthy() { podman healthcheck run "$1" 2>>"$IMAGE_CACHE/podman.log"; } # no systemd: podman logs harmless timer errors
check "local mode: HEALTHCHECK passes" healthy "$local_name"
check "local mode: SIGTERM exits 0" stopped_cleanly "$local_name"

# -- 3. production mode ----------------------------------------------------------------------------
secret() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
portal_key=$(secret) ops_key=$(secret) client_secret=$(secret)
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db" >/dev/null
SANDBOX_PORT=18402 SANDBOX_HOST=127.0.0.1 SANDBOX_CLIENT_ID=esr-img SANDBOX_CLIENT_SECRET=$client_secret SANDBOX_LOG=false \
  node dist/sandbox/main.js > "$IMAGE_CACHE/sandbox.log" 2>&1 &
sandbox_pid=$!
if wait_ready http://127.0.0.1:18402/sandbox 20; then pass "ESR sandbox started on its own (npm run sandbox) on 127.0.0.1:18402"; else cat "$IMAGE_CACHE/sandbox.log"; fail "ESR sandbox"; fi
# Everything production mode needs, set explicitly (works before and after the service's fail-closed rules);
# the sandbox is plain http:// on 127.0.0.1, which production mode allows only with ALLOW_INSECURE_HTTP=true.
prod_env=(-e NODE_ENV=production -e HOST=127.0.0.1 -e PORT=18403
  -e "DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db" -e REDIS_URL=redis://127.0.0.1:6379 -e "REDIS_KEY_PREFIX=$prefix"
  -e "API_KEYS=imgportal:$portal_key:portal,imgops:$ops_key:ops" -e "AUDIT_HMAC_SECRET=$(secret)"
  -e ESR_BASE_URL=http://127.0.0.1:18402 -e ALLOW_INSECURE_HTTP=true -e ESR_CLIENT_ID=esr-img -e "ESR_CLIENT_SECRET=$client_secret"
  -e SYNC_ENABLED=false -e SHUTDOWN_GRACE_PERIOD=PT15S)
t=$SECONDS
check "production mode: the chart Job's migration command (node dist/database/migrate.js) exits 0 ($db)" \
  podman run --rm --network host "${read_only[@]}" "${prod_env[@]}" "$image" node dist/database/migrate.js 2>>"$IMAGE_CACHE/podman.log"
tables=$(psql -h 127.0.0.1 -U postgres -d "$db" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
check "production mode: migrations created $tables tables" test "${tables:-0}" -gt 0
t=$SECONDS
podman run -d --name "$prod_name" --network host "${read_only[@]}" "${prod_env[@]}" -e DATABASE_MIGRATIONS_RUN=false "$image" >/dev/null 2>>"$IMAGE_CACHE/podman.log"
if wait_ready http://127.0.0.1:18403/health/ready 60; then pass "production mode: /health/ready 200 ($((SECONDS - t)) s to ready)"; else podman logs "$prod_name" | tail -20; fail "production mode: /health/ready"; fi
say "production mode readiness: $(curl -s --max-time 5 http://127.0.0.1:18403/health/ready | cut -c1-200)"
check "production mode: every process runs as the non-root uid" run_as_image_user "$prod_name"
api=http://127.0.0.1:18403/v1/users/img-hr-user/esr-mappings
check "production mode: a portal key is accepted (200)" test "$(status -H "Authorization: Bearer $portal_key" -H 'X-Acting-User: img-lsa' "$api")" = 200
check "production mode: the local development key is refused (401)" test "$(status -H 'Authorization: Bearer local-dev-key' -H 'X-Acting-User: img-lsa' "$api")" = 401
check "production mode: HEALTHCHECK passes" healthy "$prod_name"

# A mapping save whose body arrives slowly (8 kB of JSON, padded with whitespace, sent at 2 kB/s,
# with 2.5 s of ESR latency on top for any ESR lookup) is still in flight when SIGTERM arrives after
# 1 s: it must be answered (201) and written before the process exits 0.
fixture=$(curl -s http://127.0.0.1:18402/sandbox/fixtures | node -e '
  const { items } = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const f = items.find((i) => i.key === "established") ?? items[0];
  const body = JSON.stringify({ vpd: f.vpd, employeeNumber: f.employeeNumber });
  process.stdout.write(body.slice(0, -1) + " ".repeat(8000) + "}");')
curl -s -o /dev/null -X PUT -H 'content-type: application/json' -d '{"latencyMs":2500}' http://127.0.0.1:18402/sandbox/faults
ms() { date +%s%3N; }
t0=$(ms)
curl -s -o "$IMAGE_CACHE/inflight.json" -w '%{http_code} %{time_total}' --max-time 30 --limit-rate 2000 -X POST "$api" \
  -H "Authorization: Bearer $portal_key" -H 'X-Acting-User: img-lsa' -H 'content-type: application/json' -d "$fixture" \
  > "$IMAGE_CACHE/inflight.code" &
inflight=$!
sleep 1
sigterm_at=$(($(ms) - t0))
check "production mode: SIGTERM with a request in flight exits 0" stopped_cleanly "$prod_name"
exited_at=$(($(ms) - t0))
wait "$inflight"
read -r code took < "$IMAGE_CACHE/inflight.code"
say "in-flight request: sent at 0 ms, SIGTERM at $sigterm_at ms, answered $code after ${took} s, container gone at $exited_at ms"
say "answer: $(cut -c1-200 "$IMAGE_CACHE/inflight.json")"
check "production mode: the in-flight request was finished (201) after SIGTERM, not cut" \
  test "$code" = 201 -a "$(node -p "Math.round($took * 1000) > $sigterm_at")" = true
curl -s -o /dev/null -X PUT -H 'content-type: application/json' -d '{}' http://127.0.0.1:18402/sandbox/faults
check "production mode: the mapping written during shutdown is in PostgreSQL" \
  test "$(psql -h 127.0.0.1 -U postgres -d "$db" -tAc "SELECT count(*) FROM esr_mappings" 2>/dev/null || echo 0)" -ge 1

finish

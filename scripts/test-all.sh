#!/usr/bin/env bash
# Every check CI runs: services up, lint, typecheck, build, unit and integration/e2e tests.
# The last line printed is "N passed, N failed" (tests, plus any failed static step).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

bash scripts/ensure-services.sh || { echo "0 passed, 1 failed"; exit 1; }

failed_steps=0
step() {
  local name=$1; shift
  printf '\n== %s\n' "$name"
  if ! "$@"; then
    printf '== %s FAILED\n' "$name"
    failed_steps=$((failed_steps + 1))
  fi
}
step lint npm run -s lint
step typecheck npm run -s typecheck
step build npm run -s build
step deploy-checks bash scripts/check-deploy.sh
step dependencies node scripts/check-deps.mjs

results=$(mktemp -d)/jest.json
printf '\n== tests (unit + integration/e2e)\n'
npx jest --config jest.config.js --maxWorkers=2 --forceExit --json --outputFile="$results" 2>&1
jest_status=$?

node -e '
  const fs = require("fs");
  const [file, extra] = process.argv.slice(1);
  let passed = 0, failed = 0;
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed = r.numPassedTests;
    failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  } catch { failed = 1; }
  failed += Number(extra);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
' "$results" "$failed_steps"
summary_status=$?
[ "$jest_status" = 0 ] && [ "$summary_status" = 0 ]

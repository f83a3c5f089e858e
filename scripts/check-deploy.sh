#!/usr/bin/env bash
# Static deployment checks (see docs/deployment.md, "What is checked, and how"):
#   - yamllint (Debian package) on the chart's Chart.yaml and values files, with .yamllint
#   - shellcheck on scripts/**/*.sh, when shellcheck is installed (errors and warnings fail the check;
#     info and style notes are printed by a plain `shellcheck` run but do not fail it)
# The chart is rendered and checked by node scripts/check-chart.mjs (also run by test/deploy in
# `npm test`); the Jest checks (schema validation, template references, Dockerfile rules,
# dockerfilelint, dashboard and alert metric names) run with: npx jest test/deploy
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

chart=helm/esr-gateway
yaml_files=(
  "$chart/Chart.yaml"
  "$chart/values.yaml"
  "$chart"/values-*.yaml
  "$chart"/ci/*.yaml
  test/deploy/fixtures/*.yaml
)

if ! command -v yamllint >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "yamllint not found; installing the Debian package"
    apt-get install -y --no-install-recommends yamllint >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends yamllint >/dev/null; }
  else
    echo "yamllint not found: install it (apt-get install -y yamllint) and run again" >&2
    exit 1
  fi
fi

echo "yamllint $(yamllint --version | awk '{print $2}'): ${yaml_files[*]}"
yamllint --strict -c .yamllint "${yaml_files[@]}"

if command -v shellcheck >/dev/null 2>&1; then
  shopt -s nullglob globstar
  scripts=(scripts/**/*.sh)
  if [ "${#scripts[@]}" -gt 0 ]; then
    echo "shellcheck $(shellcheck --version | awk '/^version:/ {print $2}'): ${scripts[*]}"
    shellcheck --severity=warning "${scripts[@]}"
  fi
else
  echo "shellcheck not installed: shell scripts not checked"
fi

echo "deploy checks passed"

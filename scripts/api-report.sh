#!/usr/bin/env bash
# The public surface of each package, as API Extractor reads it from the built .d.ts files, is kept
# in packages/<name>/<name>.api.md so that every change of a surface shows in review.
#   bash scripts/api-report.sh           check: fails when a report is stale (scripts/test.sh runs it
#                                         after bootstrap.sh has built the packages)
#   bash scripts/api-report.sh --update  build the TS, then rewrite the reports; commit them
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mode=()
if [[ "${1:-}" == "--update" ]]; then
  pnpm run --silent build:ts
  mode=(--local)
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
for config in packages/*/api-extractor*.json; do
  if ! node_modules/.bin/api-extractor run -c "$config" "${mode[@]}" >"$log" 2>&1; then
    cat "$log"
    echo "api-report: $config: the API report is stale or the package is not built." >&2
    echo "  if the change of the public surface is intended: bash scripts/api-report.sh --update" >&2
    status=1
  fi
done
exit "$status"

#!/usr/bin/env bash
# Mutation testing (StrykerJS + the vitest runner), on its own: not part of scripts/test.sh.
#   bash scripts/mutation.sh registry             # @aotihub/registry against its unit tables
#   bash scripts/mutation.sh registry manifest    # one folder of packages/registry/src (or of the
#   bash scripts/mutation.sh loader download      #   loader's download, cache, trust), own report
#   bash scripts/mutation.sh loader               # the loader's download, cache and trust modules
#   node mutation/summarize.mjs                   # scores of every report, and the registry total
# Scores go to reports/mutation/<target>[-<folder>].json and the terminal; docs/testing.md records
# them. MUTATION_CONCURRENCY (default 2) sets the number of test processes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export AOTIHUB_PYTHON="${AOTIHUB_PYTHON:-$root/.venv/bin/python}"
# extra Stryker options for every target, e.g. STRYKER_ARGS="--logLevel debug"
read -r -a STRYKER_ARGS <<<"${STRYKER_ARGS:-}"
target="${1:-}"
if [ -z "$target" ]; then
  for t in registry loader; do bash "$0" "$t"; done
  exit 0
fi
config="mutation/$target.stryker.mjs"
[ -f "$config" ] || { echo "unknown mutation target: $target (have: registry, loader)" >&2; exit 2; }
export MUTATION_SCOPE="${2:-}"
pnpm exec stryker run "$config" "${STRYKER_ARGS[@]}"

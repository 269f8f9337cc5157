#!/usr/bin/env bash
# Mutation testing (StrykerJS + the vitest runner), on its own: not part of scripts/test.sh.
#   bash scripts/mutation.sh registry   # @aotihub/registry against its unit tables
#   bash scripts/mutation.sh loader     # the loader's download, cache and trust modules
# Scores go to reports/mutation/<target>.json and the terminal; docs/testing.md records them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export AOTIHUB_PYTHON="${AOTIHUB_PYTHON:-$root/.venv/bin/python}"
# extra Stryker options for every target, e.g. STRYKER_ARGS="--mutate packages/registry/src/compat/*.ts"
read -r -a STRYKER_ARGS <<<"${STRYKER_ARGS:-}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(registry loader)
for target in "${targets[@]}"; do
  config="mutation/$target.stryker.mjs"
  [ -f "$config" ] || { echo "unknown mutation target: $target (have: registry, loader)" >&2; exit 2; }
  pnpm exec stryker run "$config" "${STRYKER_ARGS[@]}"
done

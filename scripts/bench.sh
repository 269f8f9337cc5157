#!/usr/bin/env bash
# Runs every benchmark under bench/ that can run on this machine and rewrites its section of
# docs/benchmarks.md. GPU benchmarks run on the GPU machine (see docs/benchmarks.md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
export AOTIHUB_PYTHON="${AOTIHUB_PYTHON:-$root/.venv/bin/python}"
for b in bench/*.bench.ts; do
  [ -e "$b" ] || continue
  echo "== $b"
  pnpm exec tsx "$b"
done

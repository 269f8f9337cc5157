#!/usr/bin/env bash
# README command 2: every test. Sets the machine up first (scripts/bootstrap.sh), then lint,
# API reports, typecheck and the whole vitest suite (unit, loopback-server, Python-interop and CPU runtime tests).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
export AOTIHUB_PYTHON="${AOTIHUB_PYTHON:-$root/.venv/bin/python}"
export AOTIHUB_BUILT=1 # bootstrap.sh built every package
pnpm run --silent lint
bash scripts/api-report.sh # each package's public surface matches its committed API report
pnpm run --silent typecheck
pnpm exec vitest run "$@"

#!/usr/bin/env bash
# README command 1: the main job on an embedded default. Sets the machine up first, then runs
# `aotihub demo`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
export AOTIHUB_PYTHON="${AOTIHUB_PYTHON:-$root/.venv/bin/python}"
exec node packages/loader/dist/cli/main.js demo "$@"

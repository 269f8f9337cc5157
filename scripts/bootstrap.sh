#!/usr/bin/env bash
# Brings a fresh clone to a runnable state: pnpm, node dependencies, the native addon and JS builds,
# and a project-local Python environment with the CPU build of torch and huggingface_hub (used by the
# runtime tests, the export helper and as the judge of cache compatibility). Idempotent: each step
# is skipped when its result is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { printf '[aotihub setup] %s\n' "$*" >&2; }

if ! command -v pnpm >/dev/null 2>&1; then
  log "pnpm not found: installing pnpm@10 with npm"
  npm install -g pnpm@10 >/dev/null 2>&1 || {
    log "npm could not install pnpm; trying corepack"
    COREPACK_INTEGRITY_KEYS=0 corepack enable pnpm
  }
fi

if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  log "installing node dependencies"
  if [ -n "${CI:-}" ]; then pnpm install --frozen-lockfile; else pnpm install; fi
fi

# Python: torch (CPU build) + huggingface_hub in .venv, unless AOTIHUB_PYTHON names an interpreter
# that already has them. PIP_RETRIES=0 keeps pip from retrying an unreachable index for minutes.
venv="$root/.venv"
py="${AOTIHUB_PYTHON:-$venv/bin/python}"
if ! "$py" -c "import torch, huggingface_hub, safetensors" >/dev/null 2>&1; then
  if [ -n "${AOTIHUB_PYTHON:-}" ]; then
    log "AOTIHUB_PYTHON=$AOTIHUB_PYTHON lacks torch/huggingface_hub/safetensors"; exit 1
  fi
  log "creating $venv with torch (CPU build) and huggingface_hub; about a minute offline, longer online"
  python3 -m venv "$venv"
  PIP_RETRIES=0 "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "torch==2.13.0+cpu" "huggingface_hub==1.33.0" safetensors numpy \
    || PIP_RETRIES=0 "$venv/bin/python" -m pip install -q --disable-pip-version-check \
      --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple \
      "torch==2.13.*" "huggingface_hub>=1.0,<2" safetensors numpy
fi

# strace lets the durable-writes test read the fsync/rename order of a real download; without it
# that test skips with its reason. Best effort: root with apt only, never fatal.
if ! command -v strace >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "installing strace (for the durable-writes test)"
  { apt-get install -y -qq strace >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq strace >/dev/null 2>&1; }; } ||
    log "strace could not be installed: the durable-writes test will skip and say so"
fi

log "building packages"
pnpm -r --silent build

#!/usr/bin/env bash
# GPU slot, first step (in parallel with the other lanes' compiles), from the repository root:
#   bash <pack>/compile.sh <outdir>
# Starts the standalone lane's CUDA compiles as detached jobs, one process per model group, into
# /tmp/standalone-models (each leaves <job>.rc: "<exit code> <seconds>"; its log goes to
# <outdir>/compile-logs/) and waits for them up to 190 s; a job still compiling then goes on in the
# background and device.sh (same machine session) waits for it.
set -uo pipefail
pack="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
models=/tmp/standalone-models
mkdir -p "$out/compile-logs" "$models"
# This branch's export helper first (the device's tree holds main's).
export PYTHONPATH="$pack/py${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
jobs_started=()
job() { # name, out root, then the export arguments
  local name="$1" root="$2"
  shift 2
  jobs_started+=("$name")
  setsid nohup nice -n 10 bash -c 'start=$SECONDS; python3 -m aotihub_export --device cuda --out-root '"$root"' --io "$@" \
    >'"$out/compile-logs/$name"'.log 2>&1; rc=$?; echo "$rc $((SECONDS - start))" >'"$models/$name"'.rc' _ "$@" \
    </dev/null >/dev/null 2>&1 &
}
specs="$pack/specs"
job fluxsa "$models" --spec "$specs/flux_like_standalone.py"
job fluxlt "$models" --spec "$specs/flux_like_libtorch.py"
job small "$models" --spec "$specs/both_runtimes_mlp.py" --spec "$specs/dit_tiny_cuda.py"
# (the conv model compiled and ran in slot 2; not rebuilt in the extra call)
job dit53m "$models" --spec "$specs/dit_53m.py"
# fp8 in its own folder and process: a package the standalone check refuses must not take the bf16
# builds with it; a refused package's .pt2 stays in .staging for the symbol table either way.
job fp8 "$models/fp8" --profile fp8 --spec "$specs/dit_tiny_cuda.py" --spec "$specs/dit_53m.py"
start=$SECONDS
while [ $((SECONDS - start)) -lt 190 ]; do
  done_all=1
  for name in "${jobs_started[@]}"; do [ -f "$models/$name.rc" ] || done_all=0; done
  [ "$done_all" = 1 ] && break
  sleep 2
done
for name in "${jobs_started[@]}"; do
  echo "$name: $(cat "$models/$name.rc" 2>/dev/null || echo "still compiling after $((SECONDS - start)) s")"
done

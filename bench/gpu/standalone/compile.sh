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
# shellcheck source=compile-jobs.sh
. "$pack/specs/compile-jobs.sh"
job() { # name, out root, then the export arguments
  local name="$1" root="$2"
  shift 2
  start_export_job "$name" 10 "$root" "python3 -m aotihub_export" "$@"
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
wait_export_jobs 190
for name in "${jobs_started[@]}"; do
  echo "$name: $(cat "$models/$name.rc" 2>/dev/null || echo "still compiling after $((SECONDS - start)) s")"
done

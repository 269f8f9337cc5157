#!/usr/bin/env bash
# GPU slot, first step (in parallel with the other lanes' compiles), from the repository root:
#   bash <pack>/compile.sh <outdir>
# Starts the standalone lane's CUDA compiles as detached jobs into /tmp/standalone-models (each
# leaves <name>.rc when done) and waits for them up to ~225 s; whatever is still compiling (the
# FLUX-like model's Triton autotuning) goes on in the background and device.sh waits for it.
set -uo pipefail
pack="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"
models=/tmp/standalone-models
mkdir -p "$out" "$models/logs"
# This branch's export helper first (the device's tree holds main's).
export PYTHONPATH="$pack/py${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
job() { # name, out root, then the export arguments
  local name="$1" root="$2"
  shift 2
  setsid nohup bash -c 'start=$SECONDS; python3 -m aotihub_export --device cuda --out-root '"$root"' --io "$@" \
    >'"$models/logs/$name"'.log 2>&1; rc=$?; echo "$rc $((SECONDS - start))" >'"$models/$name"'.rc' _ "$@" \
    </dev/null >/dev/null 2>&1 &
}
specs="$pack/specs"
job flux "$models" --spec "$specs/flux_like_both.py"
job small "$models" --spec "$specs/standalone_mlp.py" --spec "$specs/standalone_bf16.py" --spec "$specs/standalone_conv.py" \
  --spec "$specs/dit_tiny_cuda.py" --spec "$specs/both_runtimes_mlp.py"
job dit53m "$models" --spec "$specs/dit_53m.py"
# fp8 apart (its own folder and process): a package the standalone check refuses must not take the
# bf16 builds with it; its .pt2 stays on disk for the symbol table either way.
job fp8tiny "$models/fp8" --profile fp8 --spec "$specs/dit_tiny_cuda.py"
job fp8dit53m "$models/fp8" --profile fp8 --spec "$specs/dit_53m.py"
start=$SECONDS
while [ $((SECONDS - start)) -lt 225 ]; do
  [ -f "$models/flux.rc" ] && [ -f "$models/small.rc" ] && [ -f "$models/dit53m.rc" ] &&
    [ -f "$models/fp8tiny.rc" ] && [ -f "$models/fp8dit53m.rc" ] && break
  sleep 2
done
for name in flux small dit53m fp8tiny fp8dit53m; do echo "$name: $(cat "$models/$name.rc" 2>/dev/null || echo "still compiling after $((SECONDS - start)) s")"; done

#!/usr/bin/env bash
# GPU slot, second step, from the repository root on the device, after <pack>/compile.sh:
#   bash <pack>/device.sh <pack> <outdir> [percall]
# "percall": the per-call figures only (no lifecycle checks; ~70 s with "old", 6 rounds; ~110 s
# with the nospin and hook labels too). Rounds and
# calls per mode and round: PERCALL_ROUNDS (6), PERCALL_CALLS (150).
# (node on PATH; <pack> made by bench/gpu/pack.sh). Per-call figures of the 53M DiT for the C ABI
# anchor, "new" and "old", interleaved across processes (anchor, new, old, three times); the gpu
# suite's CUDA lifecycle check (test/gpu/cuda-cycles.ts) for both builds; the GPU's clocks and the
# machine's load sampled throughout (other work on the host shows as slow rounds). All in <outdir>.
set -uo pipefail
pack="$(cd "$1" && pwd)"
out="$2"
only="${3:-}"
rounds="${PERCALL_ROUNDS:-6}"
calls="${PERCALL_CALLS:-150}"
mkdir -p "$out"
models=/tmp/gpucall-models
cache=/tmp/gpucall-so
log() { echo "[gpucall $(date -u +%T)] $*" | tee -a "$out/steps.log"; }
load() { echo "$(date -u +%T) $(cat /proc/loadavg) | $(ps -eo pcpu,comm --sort=-pcpu | sed -n 2,5p | tr -s ' ' | tr '\n' ';')" >>"$out/load.log"; }
for _ in $(seq 1 30); do [ -f "$models/dit-1024/aotihub.json" ] && { [ "$only" = percall ] || [ -f "$models/tiny-mlp/aotihub.json" ]; } && break; sleep 2; done
[ -f "$models/dit-1024/aotihub.json" ] || { log "no compiled DiT in $models"; exit 1; }
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,pstate,temperature.gpu,utilization.gpu \
  --format=csv -lms 250 >"$out/clocks.csv" 2>&1 &
clocks=$!
torchdir="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
python3 -c "import torch; print('torch', torch.__version__)" >"$out/torch.txt" 2>&1
export AOTIHUB_TORCH_DIR="$torchdir"
load
anchor() { # <n>
  [ -x /tmp/gpucall-anchor ] || { log "no anchor binary"; return; }
  timeout 30 /tmp/gpucall-anchor "$(find "$cache-new" -name '*.so' | head -1)" cuda /tmp/gpucall-anchor-in/bind.txt \
    /tmp/gpucall-anchor-in/inputs.txt 150 6 >"$out/anchor-$1.json" 2>"$out/anchor-$1.err"
  log "anchor $1: $(tr '\n' ' ' <"$out/anchor-$1.json") $(tail -c 300 "$out/anchor-$1.err")"
  load
}
percall() { # <build> <label> [env...]
  local build="$1" label="$2"
  shift 2
  log "per-call $label"
  env "$@" timeout 30 node "$pack/$build/lib/per-call.mjs" "$label" "$models/dit-1024" "$cache-$build" "$out/percall-$label.json" "$rounds" "$calls" \
    2>&1 | tee -a "$out/percall.log" | grep -v '^ *$' | tail -12
  load
}
cycles() { # <build>
  [ "$only" = percall ] && return
  log "lifecycle check, $1 build"
  timeout 35 node "$pack/$1/lib/cuda-cycles.mjs" "$1" "$models/tiny-mlp" "$cache-$1-mlp" "$out/cycles-$1-check.json" check \
    2>&1 | tee -a "$out/cycles.log" | tail -3
  load
}
# "nospin": the new build with the event loop left to sleep while a run is in flight
# (src/runtime/event-loop-spin.h), what run() did before; "hook": the new build started with
# node --import <cuda-early> (the driver's start and libtorch's dlopens at process start).
nospin=(AOTIHUB_LOOP_SPIN_RUN_US=0)
hook() { [ -f "$pack/new/lib/cuda-early.mjs" ] && percall new "$@" NODE_OPTIONS="--import $pack/new/lib/cuda-early.mjs"; }
# The new build first: it also writes the anchor's inputs (the same inputs, the same weights).
percall new new-1 AOTIHUB_RUN_TRACE=1 ANCHOR_DIR=/tmp/gpucall-anchor-in
anchor 1
percall new nospin-1 AOTIHUB_RUN_TRACE=1 "${nospin[@]}"
[ -d "$pack/old" ] && percall old old-1 AOTIHUB_RUN_TRACE=1
cycles new
[ -d "$pack/old" ] && cycles old
anchor 2
percall new new-2 AOTIHUB_RUN_TRACE=1
percall new nospin-2 AOTIHUB_RUN_TRACE=1 "${nospin[@]}"
[ -d "$pack/old" ] && percall old old-2
hook hook-1
anchor 3
percall new new-3
percall new nospin-3 "${nospin[@]}"
[ -d "$pack/old" ] && percall old old-3
kill "$clocks" 2>/dev/null
log done

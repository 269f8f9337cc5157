#!/usr/bin/env bash
# GPU slot, second step, from the repository root on the device, after <pack>/compile.sh:
#   bash <pack>/device.sh <pack> <outdir>
# (node on PATH; <pack> made by bench/gpu/pack.sh). Per-call figures of the 53M DiT for the C ABI
# anchor, "new" and "old", interleaved across processes; RSS over CUDA load/dispose cycles of the
# tiny MLP for both builds; the GPU's clocks sampled throughout. Everything lands in <outdir>.
set -uo pipefail
pack="$(cd "$1" && pwd)"
out="$2"
mkdir -p "$out"
models=/tmp/gpucall-models
cache=/tmp/gpucall-so
log() { echo "[gpucall $(date -u +%T)] $*" | tee -a "$out/steps.log"; }
for _ in $(seq 1 60); do [ -f "$models/dit-1024/aotihub.json" ] && [ -f "$models/tiny-mlp/aotihub.json" ] && break; sleep 2; done
[ -f "$models/dit-1024/aotihub.json" ] || { log "no compiled DiT in $models"; exit 1; }
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,pstate,temperature.gpu,utilization.gpu \
  --format=csv -lms 250 >"$out/clocks.csv" 2>&1 &
clocks=$!
torchdir="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
{
  python3 -c "import torch; print('torch', torch.__version__)"
  echo "model_base.h loaded_modules_ mentions: $(grep -c loaded_modules_ "$torchdir/include/torch/csrc/inductor/aoti_runtime/model_base.h" 2>/dev/null)"
  for so in $(find "$models" -name '*.so' | head -4); do
    echo "$so imports: $(nm -D --undefined-only "$so" 2>/dev/null | grep -o 'cuModule[A-Za-z_]*' | sort -u | tr '\n' ' ')"
  done
} >"$out/torch.txt" 2>&1
cat "$out/torch.txt"
export AOTIHUB_TORCH_DIR="$torchdir"
anchor() { # <n>
  [ -x /tmp/gpucall-anchor ] || { log "no anchor binary"; return; }
  timeout 40 /tmp/gpucall-anchor "$(find "$cache-new" -name '*.so' | head -1)" cuda /tmp/gpucall-anchor-in/bind.txt \
    /tmp/gpucall-anchor-in/inputs.txt 300 3 >"$out/anchor-$1.json" 2>"$out/anchor-$1.err"
  log "anchor $1: $(cat "$out/anchor-$1.json") $(tail -c 300 "$out/anchor-$1.err")"
}
percall() { # <build> <label> [env...]
  local build="$1" label="$2"
  shift 2
  log "per-call $label"
  env "$@" timeout 45 node "$pack/$build/lib/per-call.mjs" "$label" "$models/dit-1024" "$cache-$build" "$out/percall-$label.json" 3 300 \
    2>&1 | tee -a "$out/percall.log" | grep -v '^ *$' | tail -12
}
cycles() { # <build> <run|norun> <cycles>
  log "cycles $1 $2"
  timeout 40 node "$pack/$1/lib/cuda-cycles.mjs" "$1" "$models/tiny-mlp" "$cache-$1-mlp" "$out/cycles-$1-$2.json" "$2" "$3" 10 \
    2>&1 | tee -a "$out/cycles.log" | tail -4
}
# The new build first: it also writes the anchor's inputs (the same inputs, the same weights).
percall new new-1 AOTIHUB_RUN_TRACE=1 ANCHOR_DIR=/tmp/gpucall-anchor-in
anchor 1
[ -d "$pack/old" ] && percall old old-1
cycles new run 100
[ -d "$pack/old" ] && cycles old run 100
percall new new-pool AOTIHUB_RUN_TRACE=1 AOTIHUB_RUN_ON_POOL=1
anchor 2
percall new new-2 AOTIHUB_RUN_TRACE=1
[ -d "$pack/old" ] && percall old old-2
anchor 3
cycles new norun 60
[ -d "$pack/old" ] && cycles old norun 60
kill "$clocks" 2>/dev/null
log done

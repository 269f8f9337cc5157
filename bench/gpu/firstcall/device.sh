#!/usr/bin/env bash
# firstcall lane on the GPU machine (after compile.sh), from the repository root:
#   bash <pack>/device.sh <pack> <outdir>
# 1. fresh node processes: the first call and the steady call of each compiled build (torch,
#    nocudnn, nocudnn-patch: see compile.sh), interleaved, 4 rounds; 2. fresh python processes, one
#    piece each (probe_pieces.py); 3. knobs: TORCH_CUDNN_SDPA_DEPRIORITIZED, CUDA_MODULE_LOADING=EAGER.
# FIRSTCALL_PIECES: the pieces to run (default: all; "" none); FIRSTCALL_KNOBS=0 skips 3.
set -u
pack="$(cd "$1" && pwd)"; out="$(mkdir -p "$2" && cd "$2" && pwd)"
models=/tmp/firstcall-models
t0=$SECONDS
say() { echo "[firstcall +$((SECONDS - t0))s] $*"; }
summary() { python3 "$pack/summarize.py" "$out" >"$out/summary.md" 2>"$out/summary.err"; }
builds=()
for b in torch nocudnn nocudnn-patch; do
  [ -f "$models/$b/aotihub.json" ] && builds+=("$b")
  say "$b: $([ -f "$models/$b/aotihub.json" ] && echo compiled || echo MISSING); $(python3 "$pack/summarize.py" --ops "$models/$b" 2>&1)"
done
fresh() { # <build> <i> [env...]: one node process
  local b="$1" i="$2"; shift 2
  env "$@" timeout 25 node "$pack/lib/first-call.mjs" "$models/$b" 1024 /tmp/firstcall-so "$out/node-$b-$i.json" >"$out/node-$b-$i.log" 2>&1
  echo "node $b $i rc=$? $(python3 -c "import json,sys; f=json.load(open(sys.argv[1])); print({k: round(f[k], 2) for k in ('first call', 'steady call (median)', 'loadPackages', 'process start to first output')}, 'new:', [n for n in f['mapped by the first call'] if 'nvrtc' in n or 'cudnn' in n or 'cublas' in n])" "$out/node-$b-$i.json" 2>&1 | tail -1)"
}
piece() { # <name> <piece> [env...]: one python process
  local name="$1" p="$2"; shift 2
  env "$@" timeout 30 python3 "$pack/probe_pieces.py" "$p" >"$out/py-$name.json" 2>"$out/py-$name.err"
  echo "py $name rc=$? $(python3 "$pack/summarize.py" --piece "$out/py-$name.json" 2>&1 | tail -1)"
}
rounds() { for i in "$@"; do for b in "${builds[@]}"; do fresh "$b" "$i"; done; done; summary; }
say "== node, rounds 1 (extracts the .so) and 2"
rounds 1 2
say "== python pieces"
for p in ${FIRSTCALL_PIECES-conv blas blas-thread sdpa-default sdpa-cudnn sdpa-flash sdpa-efficient linear model-order}; do piece "$p" "$p"; done
[ -z "${FIRSTCALL_PIECES+set}" ] && piece sdpa-default-deprioritized sdpa-default TORCH_CUDNN_SDPA_DEPRIORITIZED=1
summary
say "== node, rounds 3-4"
rounds 3 4
cat "$out/summary.md"
if [ "${FIRSTCALL_KNOBS:-1}" = 1 ]; then
  say "== knobs"
  [[ " ${builds[*]} " == *" torch "* ]] && fresh torch depri TORCH_CUDNN_SDPA_DEPRIORITIZED=1
  for b in "${builds[@]}"; do fresh "$b" eager CUDA_MODULE_LOADING=EAGER; done
  summary
  grep -iE "depri|eager" "$out/summary.md"
fi
say "done"

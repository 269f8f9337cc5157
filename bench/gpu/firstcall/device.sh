#!/usr/bin/env bash
# firstcall lane on the GPU machine (after compile.sh), from the repository root:
#   bash <pack>/device.sh <pack> <outdir>
# (FIRSTCALL_PIECES=0 skips the python pieces.)
# 1. fresh node processes: the first call and the steady call of each build (torch's attention
#    choice vs flash/efficient/math), interleaved; 2. fresh python processes, one piece each (SDPA
#    per backend, the model's linears); 3. knobs: CUDA_MODULE_LOADING=EAGER, TORCH_CUDNN_SDPA_DEPRIORITIZED.
set -u
pack="$(cd "$1" && pwd)"; out="$(mkdir -p "$2" && cd "$2" && pwd)"
models=/tmp/firstcall-models
t0=$SECONDS
say() { echo "[firstcall +$((SECONDS - t0))s] $*"; }
summary() { python3 "$pack/summarize.py" "$out" >"$out/summary.md" 2>"$out/summary.err"; }
for b in torch nocudnn; do
  say "$b: $(head -c 300 "$models/$b/aotihub.json" >/dev/null 2>&1 && echo compiled || echo MISSING); $(python3 "$pack/summarize.py" --ops "$models/$b" 2>&1)"
done
fresh() { # <build> <i> [env...]: one node process
  local b="$1" i="$2"; shift 2
  [ -f "$models/$b/aotihub.json" ] || return
  env "$@" timeout 25 node "$pack/lib/first-call.mjs" "$models/$b" 1024 /tmp/firstcall-so "$out/node-$b-$i.json" >"$out/node-$b-$i.log" 2>&1
  echo "node $b $i rc=$? $(python3 -c "import json,sys; f=json.load(open(sys.argv[1])); print({k: round(f[k], 2) for k in ('first call', 'steady call (median)', 'loadPackages', 'process start to first output')}, 'new:', [n for n in f['mapped by the first call'] if 'nvrtc' in n or 'cudnn' in n or 'cublas' in n])" "$out/node-$b-$i.json" 2>&1 | tail -1)"
}
piece() { # <name> <piece> [env...]: one python process
  local name="$1" p="$2"; shift 2
  env "$@" timeout 30 python3 "$pack/probe_pieces.py" "$p" >"$out/py-$name.json" 2>"$out/py-$name.err"
  echo "py $name rc=$? $(python3 "$pack/summarize.py" --piece "$out/py-$name.json" 2>&1 | tail -1)"
}
say "== node, round 1 (extracts the .so) and 2"
for i in 1 2; do fresh torch "$i"; fresh nocudnn "$i"; done
summary
say "== python pieces"
[ "${FIRSTCALL_PIECES:-1}" = 1 ] && {
  piece sdpa-default sdpa-default
  piece sdpa-cudnn sdpa-cudnn
  piece sdpa-flash sdpa-flash
  piece sdpa-efficient sdpa-efficient
  piece linear linear
  piece model-order model-order
  piece sdpa-default-deprioritized sdpa-default TORCH_CUDNN_SDPA_DEPRIORITIZED=1
  summary
}
say "== node, rounds 3-4"
for i in 3 4; do fresh torch "$i"; fresh nocudnn "$i"; done
summary
say "== knobs"
fresh torch depri TORCH_CUDNN_SDPA_DEPRIORITIZED=1
summary
cat "$out/summary.md"
fresh torch eager CUDA_MODULE_LOADING=EAGER
fresh nocudnn eager CUDA_MODULE_LOADING=EAGER
summary
grep -i eager "$out/summary.md"
say "done"

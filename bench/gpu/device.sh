#!/usr/bin/env bash
# On the GPU machine, from the repository root, with <pack> made by bench/gpu/pack.sh:
#   bash <pack>/device.sh <pack>
# compiles the 53M DiT (1024-token bucket) and the tiny MLP for CUDA, builds the C ABI anchor, runs
# the device-tensor checks and the benchmark (old build, then new), and leaves everything in $OUT.
set -uo pipefail
pack="$(cd "$1" && pwd)"
out="${OUT:-/tmp/perf-out}"
mkdir -p "$out" /tmp/perf-node
xz -d -c "$pack/node.xz" >/tmp/perf-node/node && chmod +x /tmp/perf-node/node
export PATH="/tmp/perf-node:$PATH"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$out/gpu.txt" 2>&1
python3 -c "import torch; print(torch.__version__)" >>"$out/gpu.txt" 2>&1
if ! python3 -c "import safetensors" 2>/dev/null; then
  mkdir -p /tmp/perf-py && (cd /tmp/perf-py && python3 -m zipfile -e "$pack"/wheels/safetensors-*.whl .)
  export PYTHONPATH="/tmp/perf-py${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD/python/aotihub_export/src${PYTHONPATH:+:$PYTHONPATH}"
models=/tmp/perf-models
if [ ! -f "$models/dit-1024/aotihub.json" ]; then
  start=$SECONDS
  python3 -m aotihub_export --device cuda --out-root "$models" --io --spec "$pack/dit_1024.py" \
    --spec test/models/tiny_mlp.py >"$out/compile.log" 2>&1 || echo "compile failed" >>"$out/compile.log"
  echo "compile_s $((SECONDS - start))" >>"$out/compile.log"
fi
bash "$pack/anchor/build.sh" python3 /tmp/perf-anchor >"$out/anchor-build.log" 2>&1 || echo "anchor build failed" >>"$out/anchor-build.log"
{
  echo "== device tensors"
  timeout 150 node "$pack/new/lib/device-tensors-gpu.mjs" "$models" /tmp/perf-so-new "$out/device-tensors.json"
  if [ -d "$pack/old" ]; then
    echo "== bench old ($(cat "$pack/old/commit"))"
    timeout 150 node "$pack/old/lib/gpu-perf.mjs" old "$models/dit-1024" /tmp/perf-so-old /tmp/perf-scratch "$out/old.json"
  fi
  echo "== bench new"
  timeout 150 node "$pack/new/lib/gpu-perf.mjs" new "$models/dit-1024" /tmp/perf-so-new2 /tmp/perf-scratch "$out/new.json" /tmp/perf-anchor
  for i in 1 2 3; do
    [ -d "$pack/old" ] && timeout 60 node "$pack/old/lib/gpu-perf.mjs" old-cold "$models/dit-1024" /tmp/perf-so-old /tmp/perf-scratch "/tmp/perf-old-cold-$i.json"
    timeout 60 node "$pack/new/lib/gpu-perf.mjs" new-cold "$models/dit-1024" /tmp/perf-so-new2 /tmp/perf-scratch "/tmp/perf-new-cold-$i.json"
  done
} 2>&1 | tee "$out/run.log"
rm -rf /tmp/perf-scratch

#!/usr/bin/env bash
# The CUDA custom-op check, in two steps (the GPU machine has no Node and no network):
#   bash test/gpu/custom-op/run.sh pack <dir>   # here: node, the addon, the bundled script, the op
#                                               # source, the model spec, the export helper -> <dir>
#   bash <dir>/run.sh device <dir>              # there: nvcc the op, export the model with the
#                                               # system torch, run it from Node, time eager
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[custom-op] %s\n' "$*" >&2; }

pack() {
  local dir="$1" root
  root="$(cd "$here/../../.." && pwd)"
  mkdir -p "$dir/build/Release" "$dir/lib" "$dir/python"
  [ -f "$dir/node.xz" ] || xz -T2 -c "$(readlink -f "$(command -v node)")" >"$dir/node.xz"
  cp "$root/packages/native/build/Release/aotihub_native.node" "$dir/build/Release/"
  local esbuild
  esbuild="$(ls -d "$root"/node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
  (cd "$root" && "$esbuild" test/gpu/custom-op-gpu.ts --bundle --platform=node --format=esm --target=node20 \
    --tsconfig=tsconfig.json --outfile="$dir/lib/custom-op-gpu.mjs" \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" --log-level=warning)
  cp "$here"/attn.cu "$here"/attn_model.py "$here"/eager_bench.py "$here"/run.sh "$dir/"
  rm -rf "$dir/python/aotihub_export" && cp -r "$root/python/aotihub_export/src/aotihub_export" "$dir/python/"
  mkdir -p "$dir/wheels"
  ls "$dir"/wheels/safetensors-*.whl >/dev/null 2>&1 ||
    "$root/.venv/bin/python" -m pip download -q --no-deps -d "$dir/wheels" "safetensors>=0.4" --only-binary=:all: \
      --python-version 3.10 --platform manylinux2014_x86_64
  find "$dir/python" -name __pycache__ -prune -exec rm -rf {} +
  du -sh "$dir"
}

device() {
  local dir="$1" out="${OUT:-/tmp/custom-op-out}" started=$SECONDS
  mkdir -p "$out" /tmp/aotihub-node /tmp/aotihub-kernel
  xz -d -c "$dir/node.xz" >/tmp/aotihub-node/node && chmod +x /tmp/aotihub-node/node
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >"$out/gpu.txt" 2>&1 || true
  local torch ns=_aotihub_cuda_attention_0gpu1 lib
  torch="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
  lib=/tmp/aotihub-kernel/$ns.abi3.so
  log "nvcc $(nvcc --version | tail -1)"
  nvcc -O2 -std=c++17 -shared -Xcompiler -fPIC -gencode arch=compute_90,code=sm_90 \
    -DTORCH_EXTENSION_NAME="$ns" -I"$torch/include" -I"$torch/include/torch/csrc/api/include" \
    "$dir/attn.cu" -L"$torch/lib" -lc10 -lc10_cuda -ltorch_cpu -ltorch_cuda -ltorch -o "$lib" >"$out/nvcc.log" 2>&1
  echo "nvcc_s $((SECONDS - started))" | tee -a "$out/timings.txt"
  local extra=""
  if ! python3 -c "import safetensors" 2>/dev/null; then
    mkdir -p /tmp/aotihub-py && (cd /tmp/aotihub-py && python3 -m zipfile -e "$dir"/wheels/safetensors-*.whl .)
    extra=":/tmp/aotihub-py"
  fi
  export AOTIHUB_GPU_KERNEL_LIB="$lib" AOTIHUB_GPU_KERNEL_NS="$ns" PYTHONPATH="$dir/python:$dir$extra" AOTIHUB_PYTHON=python3
  python3 -m aotihub_export --device cuda --spec "$dir/attn_model.py" --out /tmp/attn-block --io >"$out/export.log" 2>&1
  echo "export_s $((SECONDS - started))" | tee -a "$out/timings.txt"
  local status=0
  /tmp/aotihub-node/node "$dir/lib/custom-op-gpu.mjs" /tmp/attn-block "$lib" "$out/custom-op-gpu.json" 2>&1 | tee "$out/node.log" || status=1
  python3 "$dir/eager_bench.py" "$dir" /tmp/attn-block "$out/eager.json" >>"$out/node.log" 2>&1 || status=1
  echo "total_s $((SECONDS - started))" | tee -a "$out/timings.txt"
  ls /tmp/attn-block/aoti/*/bf16/ >>"$out/timings.txt" 2>&1 || true
  python3 -c "import importlib.util as u; print('flash_attn_3', u.find_spec('flash_attn_3') is not None, 'flash_attn', u.find_spec('flash_attn') is not None, 'kernels', u.find_spec('kernels') is not None)" >>"$out/timings.txt" 2>&1 || true
  ls ~/.cache/huggingface/hub 2>/dev/null | head >>"$out/timings.txt" || true
  return "$status"
}

"$1" "$2"

#!/usr/bin/env bash
# GPU slot, first step (in parallel with other compiles), from the repository root on the device:
#   bash <pack>/compile.sh <outdir>
# compiles the 53M DiT (1024-token bucket) and the tiny MLP for CUDA into /tmp/gpucall-models and
# builds the C ABI anchor (bench/anchor) against the machine's torch.
set -uo pipefail
pack="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"
mkdir -p "$out"
if ! python3 -c "import safetensors" 2>/dev/null; then
  mkdir -p /tmp/gpucall-py && (cd /tmp/gpucall-py && python3 -m zipfile -e "$pack"/../wheels/safetensors-*.whl .)
  export PYTHONPATH="/tmp/gpucall-py${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD/python/aotihub_export/src${PYTHONPATH:+:$PYTHONPATH}"
bash "$pack/anchor/build.sh" python3 /tmp/gpucall-anchor >"$out/anchor-build.log" 2>&1 &
anchor=$!
start=$SECONDS
# PERCALL_ONLY=1: the DiT alone (the tiny MLP serves only device.sh's lifecycle checks).
specs=(--spec "$pack/dit_1024.py")
[ "${PERCALL_ONLY:-}" = 1 ] || specs+=(--spec test/models/tiny_mlp.py)
python3 -m aotihub_export --device cuda --out-root /tmp/gpucall-models --io "${specs[@]}" \
  >"$out/compile-models.log" 2>&1 || echo "compile failed" >>"$out/compile-models.log"
echo "compile_s $((SECONDS - start))" >>"$out/compile-models.log"
wait "$anchor" || echo "anchor build failed" >>"$out/anchor-build.log"
ls /tmp/gpucall-models >>"$out/compile-models.log" 2>&1

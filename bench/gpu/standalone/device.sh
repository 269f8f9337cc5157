#!/usr/bin/env bash
# GPU slot, second step (150 s), from the repository root: bash <pack>/device.sh <pack> <outdir>
# 1. install sizes; 2. the undefined symbols of every standalone .so compiled so far; 3. the small
# standalone models (MLP fp32/bf16, conv, DiT tiny bf16/fp8, DiT 53M bf16/fp8) against eager;
# 4. the FLUX-like model: fresh process to first output and steady call, standalone (no torch on
# the library path) then libtorch, same weights, same process start measure.
set -uo pipefail
pack="$(cd "$1" && pwd)"
out="$2"
models=/tmp/standalone-models
mkdir -p "$out"
export PYTHONPATH="$pack/py${PYTHONPATH:+:$PYTHONPATH}"
t0=$SECONDS
say() { echo "[standalone +$((SECONDS - t0))s] $*"; }
cudart="$(python3 "$pack/specs/find_cudart.py")"
say "libcudart: $cudart"
python3 "$pack/specs/install_size.py" "$pack/build/Release/aotihub_native.node" "$cudart" >"$out/install-size.json" 2>"$out/install-size.err"
cat "$out/install-size.json"
run_cases() { # label, runtime, then cases
  local label="$1" runtime="$2"
  shift 2
  AOTIHUB_GPU_RUNTIME="$runtime" env -u LD_LIBRARY_PATH timeout "${RUN_TIMEOUT:-45}" node "$pack/lib/standalone-gpu.mjs" \
    "$out/$label.json" "/tmp/standalone-so-$label" "$cudart" "$@" >"$out/$label.log" 2>&1
  echo "rc=$?" >>"$out/$label.log"
  grep -E "planned checks|FAIL|ms|rc=" "$out/$label.log" | head -40
}
# The shim's CUDA functions called directly (no Node), with the shim loading libcudart itself.
nm -D --undefined-only "$pack/build/Release/aotihub_native.node" | awk '{print $2}' | grep -E '^(napi_|node_api_|uv_)' |
  sed 's/.*/void &(void) { __builtin_trap(); }/' >/tmp/standalone-traps.c
cc -c -o /tmp/standalone-traps.o /tmp/standalone-traps.c &&
  g++ -std=c++17 -O1 -rdynamic -o /tmp/standalone-shim-probe "$pack/specs/standalone-shim-cuda-probe.cc" \
    /tmp/standalone-traps.o -ldl -lpthread >"$out/shim-cuda-probe.log" 2>&1 &&
  env -u LD_LIBRARY_PATH timeout 60 /tmp/standalone-shim-probe "$pack/build/Release/aotihub_native.node" "$cudart" \
    >>"$out/shim-cuda-probe.log" 2>&1
echo "rc=$?" >>"$out/shim-cuda-probe.log"
say "shim CUDA probe:"; cat "$out/shim-cuda-probe.log" | cut -c1-200
# The small models, when their compile finished.
for i in $(seq 1 30); do [ -f "$models/small.rc" ] && break; sleep 2; done
say "small compile: $(cat "$models/small.rc" 2>/dev/null || echo unfinished)"
cases=()
for c in "standalone-mlp:b2:1e-5" "standalone-bf16:b2:1e-2" "standalone-conv:b1:1e-4" \
  "standalone-dit-tiny:64:2e-2:bf16" "fp8/standalone-dit-tiny:64:8e-2:fp8"; do
  [ -f "$models/${c%%:*}/aotihub.json" ] && cases+=("$models/$c")
done
AOTIHUB_GPU_STEADY_CALLS=20 run_cases small standalone "${cases[@]}"
# loadCompiled end to end (local Hub on loopback, torch unfindable: no python3 on PATH, libcudart
# found through CUDA_HOME), the registry choosing the standalone build of a two-runtime repo.
load_compiled() { # label, repo, name, bucket, tolerance
  local label="$1"
  mkdir -p /tmp/standalone-cuda-home/lib64
  [ "$cudart" != "-" ] && ln -sf "$cudart" "/tmp/standalone-cuda-home/lib64/$(basename "$cudart")"
  env -u LD_LIBRARY_PATH -u AOTIHUB_PYTHON -u AOTIHUB_TORCH_DIR PATH="$(dirname "$(command -v node)")" \
    CUDA_HOME=/tmp/standalone-cuda-home timeout 60 node "$pack/lib/standalone-load-compiled-gpu.mjs" \
    "$2" "$3" "$4" "$5" "/tmp/standalone-lc-$3" "$out/$label.json" >"$out/$label.log" 2>&1
  echo "rc=$?" >>"$out/$label.log"
  grep -E "planned checks|FAIL|PASS|rc=" "$out/$label.log" | head -20
}
[ -f "$models/both-runtimes-mlp/aotihub.json" ] &&
  for n in 1 2; do load_compiled "load-compiled-mlp-$n" "$models/both-runtimes-mlp" both-runtimes-mlp b2 1e-5; done
for i in $(seq 1 20); do [ -f "$models/dit53m.rc" ] && [ -f "$models/fp8dit53m.rc" ] && break; sleep 2; done
say "dit53m compile: $(cat "$models/dit53m.rc" "$models/fp8dit53m.rc" 2>/dev/null | tr '\n' ' ')"
cases=()
for c in "standalone-dit-53m:1024:2e-2:bf16" "fp8/standalone-dit-53m:1024:8e-2:fp8"; do
  [ -f "$models/${c%%:*}/aotihub.json" ] && cases+=("$models/$c")
done
[ "${#cases[@]}" -gt 0 ] && AOTIHUB_GPU_STEADY_CALLS=50 run_cases dit53m standalone "${cases[@]}"
while [ ! -f "$models/flux.rc" ] && [ $((SECONDS - t0)) -lt 95 ]; do sleep 2; done
say "flux compile: $(cat "$models/flux.rc" 2>/dev/null || echo unfinished)"
python3 "$pack/specs/symbols.py" "$models" "$out/symbols.json" >"$out/symbols.md" 2>"$out/symbols.err"
cat "$out/symbols.md" | head -60
cp -r "$models/logs" "$out/compile-logs" 2>/dev/null
if [ -f "$models/flux-like-both/aotihub.json" ]; then
  # Twice each: the first warms the page cache (and the standalone .so cache), the second is the figure.
  for n in 1 2; do AOTIHUB_GPU_STEADY_CALLS=$((n == 2 ? 100 : 3)) run_cases "flux-standalone-$n" standalone "$models/flux-like-both:1024:3e-2"; done
  for n in 1 2; do AOTIHUB_GPU_STEADY_CALLS=$((n == 2 ? 100 : 3)) run_cases "flux-libtorch-$n" libtorch "$models/flux-like-both:1024:3e-2"; done
  python3 "$pack/specs/mapped_size.py" "$out/flux-standalone-2.json" "$out/flux-libtorch-2.json" >"$out/mapped-size.json" 2>&1
  grep -E '"file"|serviceBytes|allBytes' "$out/mapped-size.json"
  # The same through loadCompiled: the first run downloads from the local Hub, the second starts warm.
  for n in 1 2; do load_compiled "load-compiled-flux-$n" "$models/flux-like-both" flux-like-both 1024 3e-2; done
fi
# The compiled FLUX-like packages (no weights: those are regenerated from the seed), kept so a later
# slot can skip the minutes of Triton autotuning.
if [ -f "$models/flux-like-both/aotihub.json" ]; then
  (cd "$models" && find flux-like-both -name '*.pt2' -size -60M -o -name aotihub.json -o -path '*/io/*' | tar -czf "$out/flux-like-both-packages.tgz" -T -)
  ls -la "$out/flux-like-both-packages.tgz"
fi
say "done"

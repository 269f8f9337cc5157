#!/usr/bin/env bash
# GPU slot, second step (150 s), from the repository root: bash <pack>/device.sh <pack> <outdir>
# In order of value: 1. the FLUX-like model, standalone (no torch on the library path) then
# libtorch, each a fresh process twice (the second from a warm page cache is the figure); 2. the
# undefined symbols of every standalone .so compiled; 3. install sizes; 4. conv, DiT tiny and 53M
# (bf16, fp8) against eager; 5. loadCompiled from a local Hub with torch unfindable; 6. the C++ probe
# of every CUDA shim function.
set -uo pipefail
pack="$(cd "$1" && pwd)"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
models=/tmp/standalone-models
export PYTHONPATH="$pack/py${PYTHONPATH:+:$PYTHONPATH}"
t0=$SECONDS
say() { echo "[standalone +$((SECONDS - t0))s] $*"; }
rcs() { for f in "$models"/*.rc; do [ -f "$f" ] && printf '%s: %s; ' "$(basename "$f" .rc)" "$(cat "$f")"; done; echo; }
cudart="$(python3 "$pack/specs/find_cudart.py")"
say "libcudart: $cudart; compiles: $(rcs)"
run_cases() { # label, runtime, then cases
  local label="$1" runtime="$2"
  shift 2
  AOTIHUB_GPU_RUNTIME="$runtime" env -u LD_LIBRARY_PATH timeout "${RUN_TIMEOUT:-45}" node "$pack/lib/standalone-gpu.mjs" \
    "$out/$label.json" "/tmp/standalone-so-$label" "$cudart" "$@" >"$out/$label.log" 2>&1
  echo "rc=$?" >>"$out/$label.log"
  echo "--- $label"; grep -vE "^\s+at " "$out/$label.log" | head -12 | cut -c1-220
  python3 -c "import json,sys; f=json.load(open(sys.argv[1]))['figures']; print({k: v for k, v in f.items() if k != 'mappedLibraries'})" "$out/$label.json" 2>/dev/null | cut -c1-600
}
load_compiled() { # label, repo, name, bucket, tolerance
  local label="$1"
  mkdir -p /tmp/standalone-cuda-home/lib64
  [ "$cudart" != "-" ] && ln -sf "$cudart" "/tmp/standalone-cuda-home/lib64/$(basename "$cudart")"
  # absolute paths: PATH holds only node's folder, so that no python3 (and no torch) is found
  local node_bin timeout_bin
  node_bin="$(command -v node)"
  timeout_bin="$(command -v timeout)"
  env -u LD_LIBRARY_PATH -u AOTIHUB_PYTHON -u AOTIHUB_TORCH_DIR PATH="$(dirname "$node_bin")" \
    CUDA_HOME=/tmp/standalone-cuda-home "$timeout_bin" 60 "$node_bin" "$pack/lib/standalone-load-compiled-gpu.mjs" \
    "$2" "$3" "$4" "$5" "/tmp/standalone-lc-$3" "$out/$label.json" >"$out/$label.log" 2>&1
  echo "rc=$?" >>"$out/$label.log"
  echo "--- $label"; grep -E "planned checks|FAIL|PASS|rc=" "$out/$label.log" | head -8 | cut -c1-300
  python3 -c "import json,sys; f=json.load(open(sys.argv[1]))['figures']; print({k: f.get(k) for k in ('processStartToFirstOutputMs', 'loadCompiledMs', 'steadyMedianMs', 'warmHfCache')})" "$out/$label.json" 2>/dev/null
}
# 1. FLUX-like, standalone vs libtorch.
for i in $(seq 1 30); do [ -f "$models/fluxsa.rc" ] && [ -f "$models/fluxlt.rc" ] && break; sleep 2; done
say "flux compiles: $(rcs)"
if [ -f "$models/flux-like-standalone/aotihub.json" ]; then
  for n in 1 2; do AOTIHUB_GPU_STEADY_CALLS=$((n == 2 ? 100 : 3)) run_cases "flux-standalone-$n" standalone "$models/flux-like-standalone:1024:3e-2"; done
fi
if [ -f "$models/flux-like-libtorch/aotihub.json" ]; then
  for n in 1 2; do AOTIHUB_GPU_STEADY_CALLS=$((n == 2 ? 100 : 3)) run_cases "flux-libtorch-$n" libtorch "$models/flux-like-libtorch:1024:3e-2"; done
fi
python3 "$pack/specs/mapped_size.py" "$out/flux-standalone-2.json" "$out/flux-libtorch-2.json" >"$out/mapped-size.json" 2>&1
grep -E '"file"|"path"|serviceBytes|allBytes' "$out/mapped-size.json" | head -30
# 2. symbols of every .so compiled so far (refused ones too: they stay in .staging).
python3 "$pack/specs/symbols.py" "$models" "$out/symbols.json" >"$out/symbols.md" 2>"$out/symbols.err"
say "symbols:"; cut -c1-400 "$out/symbols.md" | head -70; tail -3 "$out/symbols.err"
# 3. install sizes.
python3 "$pack/specs/install_size.py" "$pack/build/Release/aotihub_native.node" "$cudart" >"$out/install-size.json" 2>"$out/install-size.err"
tr -d '\n ' <"$out/install-size.json"; echo
# 4. the other models against eager.
for i in $(seq 1 15); do [ -f "$models/small.rc" ] && [ -f "$models/conv.rc" ] && [ -f "$models/dit53m.rc" ] && [ -f "$models/fp8.rc" ] && break; sleep 2; done
say "compiles: $(rcs)"
cases=()
for c in "standalone-conv:b1:1e-4" "standalone-dit-tiny:64:2e-2:bf16" "fp8/standalone-dit-tiny:64:8e-2:fp8" \
  "standalone-dit-53m:1024:2e-2:bf16" "fp8/standalone-dit-53m:1024:8e-2:fp8"; do
  [ -f "$models/${c%%:*}/aotihub.json" ] && cases+=("$models/$c")
done
[ "${#cases[@]}" -gt 0 ] && AOTIHUB_GPU_STEADY_CALLS=20 run_cases models standalone "${cases[@]}"
# 5. loadCompiled end to end, torch unfindable (no python3 on PATH), libcudart through CUDA_HOME.
[ -f "$models/both-runtimes-mlp/aotihub.json" ] && load_compiled load-compiled-mlp "$models/both-runtimes-mlp" both-runtimes-mlp b2 1e-5
if [ -f "$models/flux-like-standalone/aotihub.json" ]; then
  for n in 1 2; do load_compiled "load-compiled-flux-$n" "$models/flux-like-standalone" flux-like-standalone 1024 3e-2; done
fi
# 6. the shim's CUDA functions called directly (no Node), the shim loading libcudart itself.
nm -D --undefined-only "$pack/build/Release/aotihub_native.node" | awk '{print $2}' | grep -E '^(napi_|node_api_|uv_)' |
  sed 's/.*/void &(void) { __builtin_trap(); }/' >/tmp/standalone-traps.c
cc -c -o /tmp/standalone-traps.o /tmp/standalone-traps.c &&
  g++ -std=c++17 -O1 -rdynamic -o /tmp/standalone-shim-probe "$pack/specs/standalone-shim-cuda-probe.cc" \
    /tmp/standalone-traps.o -ldl -lpthread >"$out/shim-cuda-probe.log" 2>&1 &&
  env -u LD_LIBRARY_PATH timeout 30 /tmp/standalone-shim-probe "$pack/build/Release/aotihub_native.node" "$cudart" \
    >>"$out/shim-cuda-probe.log" 2>&1
echo "rc=$?" >>"$out/shim-cuda-probe.log"
say "shim CUDA probe: $(grep -c ^PASS "$out/shim-cuda-probe.log") passed, $(grep -c ^FAIL "$out/shim-cuda-probe.log") failed"
grep -E "^FAIL|1024x3072" "$out/shim-cuda-probe.log"
say "done; compiles: $(rcs)"

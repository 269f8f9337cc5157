#!/usr/bin/env bash
# GPU slot, second step, from the repository root: bash <pack>/device.sh <pack> <outdir>
# After fp8-conv-compile.sh: 1. the undefined symbols (nm -D --undefined-only) of every standalone
# .so compiled, checked against the addon's exports (shim_coverage.py); 2. each model run with Node
# on the addon's shim and libcudart (no libtorch mapped: /proc/self/maps) against the eager outputs
# the export helper computed on this GPU, one process per model; 3. the C++ probe of every CUDA shim
# function (no Node). Every result lands in <outdir> as it comes.
set -uo pipefail
pack="$(cd "$1" && pwd)"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
models=/tmp/fp8-models
export PYTHONPATH="$pack/py:$pack/specs${PYTHONPATH:+:$PYTHONPATH}"
t0=$SECONDS
say() { echo "[fp8 +$((SECONDS - t0))s] $*"; }
rcs() { for f in "$models"/*.rc; do [ -f "$f" ] && printf '%s: %s; ' "$(basename "$f" .rc)" "$(cat "$f")"; done; echo; }
cudart="$(python3 "$pack/specs/find_cudart.py")"
# Compiles still running (compile.sh left them going): wait up to FP8_WAIT s for every job it started.
for _ in $(seq 1 "$(( ${FP8_WAIT:-20} / 2 ))"); do
  running=0
  for pidfile in "$models"/*.pid; do [ -f "$pidfile" ] && [ ! -f "${pidfile%.pid}.rc" ] && running=1; done
  [ "$running" = 0 ] && break
  sleep 2
done
say "libcudart: $cudart; compiles: $(rcs)"
cp -r "$models"/*.rc "$out/" 2>/dev/null
# 1. symbols of every .so compiled (refused ones too: they stay in .staging), against the addon.
python3 "$pack/specs/symbols.py" "$models" "$out/symbols.json" >"$out/symbols.md" 2>"$out/symbols.err"
say "symbols:"; cut -c1-300 "$out/symbols.md" | head -60; tail -3 "$out/symbols.err"
python3 "$pack/specs/shim_coverage.py" "$out/symbols.json" "$pack/build/Release/aotihub_native.node" "$out/coverage.json" \
  2>&1 | tee "$out/coverage.log" | cut -c1-400
# 2. each model against eager, one fresh process each (a failure cannot hide the next model).
run_case() { # label, case "<repo>:<bucket>:<tolerance>[:<profile>]"
  local label="$1"
  AOTIHUB_GPU_STEADY_CALLS="${FP8_STEADY:-50}" env -u LD_LIBRARY_PATH timeout "${FP8_CASE_TIMEOUT:-25}" node "$pack/lib/standalone-gpu.mjs" \
    "$out/$label.json" "/tmp/fp8-so-$label" "$cudart" "$2" >"$out/$label.log" 2>&1
  echo "rc=$?" >>"$out/$label.log"
  echo "--- $label"; grep -vE "^\s+at " "$out/$label.log" | grep -E "PASS|FAIL|rc=|rror" | head -8 | cut -c1-300
}
for c in "conv-small|standalone-conv:b1:1e-4" "conv-decoder|standalone-conv-decoder:32x32:2e-2" \
  "fp8-tiny|standalone-dit-tiny:64:8e-2:fp8" "fp8-53m|standalone-dit-53m:1024:8e-2:fp8" \
  "fp8-flux|flux-like-fp8-standalone:1024:8e-2:fp8"; do
  label="${c%%|*}" spec="${c#*|}"
  if [ -f "$models/${spec%%:*}/aotihub.json" ]; then run_case "$label" "$models/$spec"
  else say "$label: not compiled ($(tail -2 "$out/compile-logs/$label.log" 2>/dev/null | tr '\n' ' ' | cut -c1-300))"; fi
done
# 3. the shim's CUDA functions called directly (no Node), the shim loading libcudart itself.
nm -D --undefined-only "$pack/build/Release/aotihub_native.node" | awk '{print $2}' | grep -E '^(napi_|node_api_|uv_)' |
  sed 's/.*/void &(void) { __builtin_trap(); }/' >/tmp/fp8-traps.c
cc -c -o /tmp/fp8-traps.o /tmp/fp8-traps.c &&
  g++ -std=c++17 -O1 -rdynamic -o /tmp/fp8-shim-probe "$pack/specs/standalone-shim-cuda-probe.cc" \
    /tmp/fp8-traps.o -ldl -lpthread >"$out/shim-cuda-probe.log" 2>&1 &&
  env -u LD_LIBRARY_PATH timeout 20 /tmp/fp8-shim-probe "$pack/build/Release/aotihub_native.node" "$cudart" \
    >>"$out/shim-cuda-probe.log" 2>&1
echo "rc=$?" >>"$out/shim-cuda-probe.log"
say "shim CUDA probe: $(grep -c ^PASS "$out/shim-cuda-probe.log") passed, $(grep -c ^FAIL "$out/shim-cuda-probe.log") failed"
grep -E "^FAIL" "$out/shim-cuda-probe.log" | head -5
# Figures, one line per model.
for j in "$out"/conv-*.json "$out"/fp8-*.json; do
  [ -f "$j" ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); f=d['figures']; print(sys.argv[1].split('/')[-1], d['summary']['line'], {k: {kk: (round(vv, 6) if isinstance(vv, float) else vv) for kk, vv in v.items()} for k, v in f.items() if isinstance(v, dict)})" "$j" 2>&1 | cut -c1-400
done
say "done; compiles: $(rcs)"
# A compile still running now will not be used: end it (its process group, started by compile.sh).
for pidfile in "$models"/*.pid; do
  [ -f "$pidfile" ] && [ ! -f "${pidfile%.pid}.rc" ] && kill -- "-$(cat "$pidfile")" 2>/dev/null && say "ended $(basename "$pidfile" .pid)"
done

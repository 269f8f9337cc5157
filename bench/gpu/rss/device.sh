#!/usr/bin/env bash
# Issue 14 goal 6 on the GPU: what stays after each CUDA load/run/dispose cycle. Runs
# lib/cycle-probe.mjs (bench/gpu/rss/cycle-probe.ts) over the checked-in CUDA fixture (tiny MLP, two
# variants, torch 2.11 packages) in several variants side by side, each its own process (memory,
# not time, is measured): as built (500 cycles); as main before this lane (model libraries
# reloaded at every load with their libstdc++ pool left, torch's constant handles and malloc's free
# pages left: AOTIHUB_RETAIN_MODEL_LIBRARIES=0 AOTIHUB_FREE_LIBSTDCXX_POOL=0
# AOTIHUB_FREE_CONSTANT_ALIASES=0 AOTIHUB_MALLOC_TRIM=0); libraries reloaded with the pool freed;
# reloaded with the pool left; the handles or the trim alone left out; no run (no kernel module
# loads); the kernels' module unload off; and two
# anchors with no aotihub code: anchor-cycles.cc (the same libraries over the C ABI alone: dlopen,
# container, constants bound, delete, dlclose; plain, and with the runtime's two cleanups) and
# anchor_cycles.py (torch's own C++ runner from Python). RSS and glibc's malloc in use every 50
# cycles. (Slot 1 also ran the malloc tracer, test/support/malloc-trace.c, on the GPU: the process
# died there, as did the Python anchor; both work on the CPU.)
#   bash device.sh <this folder> <outdir>     (from the repository root; node on PATH)
set -uo pipefail
here="$(cd "$1" && pwd)"
out="$2"
mkdir -p "$out"
fx="packages/native/test/fixtures/aoti-cuda-sm90-torch2.11"
[ -f "$fx/tiny_blob_2.pt2" ] || fx=".gpu/fixtures"
fx="$(cd "$fx" && pwd)"
cycles="${RSS_CYCLES:-300}"
{
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__)'
  node --version
  date -u +%FT%TZ
} 2>&1 | tee "$out/env.txt"
probe() { # <label> <cycles> <run|norun> [env...]
  local label="$1" n="$2" kind="$3"
  shift 3
  env "$@" RSS_PROBE_IO="$fx/tiny_2.io.safetensors" RSS_PROBE_SO_CACHE="/tmp/rss-so-$label" \
    timeout 68 node "$here/lib/cycle-probe.mjs" "$label" "$out/$label.json" cuda:0 "$n" 50 "$kind" \
    "$fx/tiny.safetensors" "$fx/tiny_blob_2.pt2" "$fx/tiny_blob_4.pt2@b4:4x8" >"$out/$label.log" 2>&1
  echo "exit $?" >>"$out/$label.log"
}
anchor() { # <label> <cycles> [env...]
  local label="$1" n="$2"
  shift 2
  env "$@" timeout 68 python3 -X faulthandler "$here/anchor_cycles.py" "$label" cuda:0 "$n" 50 "$fx/tiny.safetensors" \
    "$fx/tiny_2.io.safetensors" "$fx/tiny_blob_2.pt2" "$fx/tiny_blob_4.pt2" >"$out/$label.log" 2>&1
  echo "exit $?" >>"$out/$label.log"
}
# The C++ anchor over the fixture's libraries (extracted here) with torch's own libraries.
torchlib="$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')"
libs=()
for v in 2 4; do
  rm -rf "/tmp/rss-anchor-$v" && python3 -m zipfile -e "$fx/tiny_blob_$v.pt2" "/tmp/rss-anchor-$v"
  so="$(find "/tmp/rss-anchor-$v" -name '*.so' | head -1)"
  libs+=("$so" "$(dirname "$so")")
done
g++ -O2 -std=c++17 "$here/anchor-cycles.cc" -o /tmp/rss-anchor-cycles -ldl 2>"$out/anchor-build.log" || echo "anchor build failed"
canchor() { # <mode>
  timeout 60 /tmp/rss-anchor-cycles "$torchlib" "$cycles" 50 "$1" "${libs[@]}" >"$out/anchor-$1.log" 2>&1
  echo "exit $?" >>"$out/anchor-$1.log"
}
main=(AOTIHUB_RETAIN_MODEL_LIBRARIES=0 AOTIHUB_FREE_LIBSTDCXX_POOL=0 AOTIHUB_FREE_CONSTANT_ALIASES=0 AOTIHUB_MALLOC_TRIM=0)
probe asbuilt "${RSS_LONG_CYCLES:-500}" run &
probe mainlike "$cycles" run "${main[@]}" &
probe reload "$cycles" run AOTIHUB_RETAIN_MODEL_LIBRARIES=0 &
probe reload-nopool "$cycles" run AOTIHUB_RETAIN_MODEL_LIBRARIES=0 AOTIHUB_FREE_LIBSTDCXX_POOL=0 &
probe noaliases "$cycles" run AOTIHUB_FREE_CONSTANT_ALIASES=0 &
probe notrim "$cycles" run AOTIHUB_MALLOC_TRIM=0 &
probe norun "$cycles" norun &
probe keepmodules "$cycles" run AOTIHUB_CUDA_MODULE_UNLOAD=0 &
anchor anchor "$cycles" &
canchor plain &
canchor both &
wait
for f in asbuilt mainlike reload reload-nopool noaliases notrim norun keepmodules anchor anchor-plain anchor-both; do
  echo "== $f"
  grep -v "^\[$f\] cycle " "$out/$f.log" | cut -c1-400 | head -30
done

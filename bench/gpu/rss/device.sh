#!/usr/bin/env bash
# Issue 14 goal 6 on the GPU: what stays after each CUDA load/run/dispose cycle. Runs
# lib/cycle-probe.mjs (bench/gpu/rss/cycle-probe.ts) over the checked-in CUDA fixture (tiny MLP, two
# variants, torch 2.11 packages) in several variants side by side, each its own process (memory,
# not time, is measured): as built; as main before this lane (torch's constant-handle leak left
# alone and no malloc_trim after a disposed model: AOTIHUB_FREE_CONSTANT_ALIASES=0
# AOTIHUB_MALLOC_TRIM=0); without the trim only; main with MALLOC_ARENA_MAX=1; no run (no kernel
# module loads); one libuv pool thread (UV_THREADPOOL_SIZE=1: loads allocate in one arena); the
# kernels' module unload off; the malloc tracer preloaded (malloc-trace.so: live
# allocations made during the cycles, by call stack), as built and as main; and the anchor: the
# same cycle through torch's own C++ runner from Python (anchor_cycles.py), plain and traced.
# RSS per 50 cycles.
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
# torch's own container: does a user-managed constant's handle get freed? (the CPU tracer says no)
grep -n "user_managed" -A6 "$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/include/torch/csrc/inductor/aoti_runtime/utils.h" \
  >"$out/maybe-owning.txt" 2>&1
gcc -O2 -shared -fPIC "$here/malloc-trace.c" -o /tmp/rss-malloc-trace.so -ldl -lpthread 2>"$out/trace-build.log" || echo "tracer build failed"
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
  env "$@" timeout 68 python3 "$here/anchor_cycles.py" "$label" cuda:0 "$n" 50 "$fx/tiny.safetensors" \
    "$fx/tiny_2.io.safetensors" "$fx/tiny_blob_2.pt2" "$fx/tiny_blob_4.pt2" >"$out/$label.log" 2>&1
  echo "exit $?" >>"$out/$label.log"
}
trace=(LD_PRELOAD=/tmp/rss-malloc-trace.so)
probe asbuilt "$cycles" run &
main=(AOTIHUB_FREE_CONSTANT_ALIASES=0 AOTIHUB_MALLOC_TRIM=0)
probe mainlike "$cycles" run "${main[@]}" &
probe notrim "$cycles" run AOTIHUB_MALLOC_TRIM=0 &
probe arena1 "$cycles" run "${main[@]}" MALLOC_ARENA_MAX=1 &
probe norun "$cycles" norun &
probe pool1 "$cycles" run UV_THREADPOOL_SIZE=1 &
probe keepmodules "$cycles" run AOTIHUB_CUDA_MODULE_UNLOAD=0 &
probe traced 150 run "${trace[@]}" RSS_PROBE_TRACE="$out/traced-live.txt" &
probe traced-main 150 run "${trace[@]}" RSS_PROBE_TRACE="$out/traced-main-live.txt" "${main[@]}" &
anchor anchor "$cycles" &
anchor anchor-traced 150 "${trace[@]}" RSS_PROBE_TRACE="$out/anchor-traced-live.txt" &
wait
for f in asbuilt mainlike notrim arena1 norun pool1 keepmodules traced traced-main anchor anchor-traced; do
  echo "== $f"
  grep -v "^\[$f\] cycle " "$out/$f.log" | cut -c1-400 | head -30
done

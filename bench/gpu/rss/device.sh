#!/usr/bin/env bash
# Issue 14 goal 6 on the GPU: what stays after each CUDA load/run/dispose cycle. Runs
# lib/cycle-probe.mjs (bench/gpu/rss/cycle-probe.ts) over the checked-in CUDA fixture (tiny MLP, two
# variants, torch 2.11 packages) in several variants side by side, each its own process (memory,
# not time, is measured): as built (600 cycles); as main before this lane (the model library's
# libstdc++ pool, torch's constant handles and malloc's free pages all left:
# AOTIHUB_FREE_LIBSTDCXX_POOL=0 AOTIHUB_FREE_CONSTANT_ALIASES=0 AOTIHUB_MALLOC_TRIM=0); each of the
# three alone left out; no run (no kernel module loads); the kernels' module unload off; and the
# anchor: the same cycle through torch's own C++ runner from Python (anchor_cycles.py). RSS and
# glibc's malloc in use every 50 cycles. (Slot 1 also ran the malloc tracer, test/support/
# malloc-trace.c, on the GPU: the process died there, as did the anchor; both work on the CPU.)
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
main=(AOTIHUB_FREE_LIBSTDCXX_POOL=0 AOTIHUB_FREE_CONSTANT_ALIASES=0 AOTIHUB_MALLOC_TRIM=0)
probe asbuilt "${RSS_LONG_CYCLES:-600}" run &
probe mainlike "$cycles" run "${main[@]}" &
probe nopool "$cycles" run AOTIHUB_FREE_LIBSTDCXX_POOL=0 &
probe noaliases "$cycles" run AOTIHUB_FREE_CONSTANT_ALIASES=0 &
probe notrim "$cycles" run AOTIHUB_MALLOC_TRIM=0 &
probe norun "$cycles" norun &
probe keepmodules "$cycles" run AOTIHUB_CUDA_MODULE_UNLOAD=0 &
anchor anchor "$cycles" &
wait
for f in asbuilt mainlike nopool noaliases notrim norun keepmodules anchor; do
  echo "== $f"
  grep -v "^\[$f\] cycle " "$out/$f.log" | cut -c1-400 | head -30
done

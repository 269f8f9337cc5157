#!/usr/bin/env bash
# coldstart lane on the GPU machine (from the repository root, after compile.sh):
#   bash <pack>/device.sh <pack> <outdir>
# 1. stage probes in fresh python processes (no torch import): libtorch_cuda dlopen, CUDA context,
#    cuBLAS/cuBLASLt handles, serial and on two threads; 2. the FLUX-like DiT prefetched once through
#    a loopback Hub per build; 3. fresh node processes, old and new interleaved, 3 each.
set -u
pack="$(cd "$1" && pwd)"; out="$2"; mkdir -p "$out"
models=/tmp/coldstart-models
repo="$models/flux-like"; [ -f "$repo/aotihub.json" ] || repo="$models/flux-like-1024"
{ ls -la "$models"; du -sh "$models"/*; cat "$repo/aotihub.json" | head -c 3000; } >"$out/models.txt" 2>&1
echo "== model: $repo"
echo "== probe (fresh python, no torch import)"
for i in 1 2; do for m in serial overlap overlap-pre; do
  timeout 30 python3 "$pack/probe.py" $m 2>&1 | tee -a "$out/probe.jsonl"
done; done
[ -f "$repo/aotihub.json" ] || { echo "no compiled model"; exit 1; }
export HF_HUB_OFFLINE=0
sides="new"; [ -d "$pack/old" ] && sides="old new"
for side in $sides; do
  echo "== prefetch $side ($(cat "$pack/$side/commit"))"
  timeout 60 node "$pack/$side/lib/cold-start.mjs" prefetch "$repo" "/tmp/cs-work-$side" 2>&1 | tail -5
done
export HF_HUB_OFFLINE=1
echo "== fresh processes (HF_HUB_OFFLINE=1)"
for i in 1 2 3; do
  for side in $sides; do
    s=$(date +%s%N)
    timeout 30 node "$pack/$side/lib/cold-start.mjs" fresh "$repo" "/tmp/cs-work-$side" "$side" "$out/$side-$i.json" >"$out/$side-$i.log" 2>&1
    echo "$side $i rc=$? wall_ms=$(( ($(date +%s%N) - s) / 1000000 ))" | tee -a "$out/wall.txt"
    tail -c 1500 "$out/$side-$i.log"; echo
    if [ "$side" = new ]; then
      s=$(date +%s%N)
      timeout 30 node "$pack/new/lib/cold-start.mjs" fresh "$repo" "/tmp/cs-work-new" new-warmup "$out/new-warmup-$i.json" warmup >"$out/new-warmup-$i.log" 2>&1
      echo "new-warmup $i rc=$? wall_ms=$(( ($(date +%s%N) - s) / 1000000 ))" | tee -a "$out/wall.txt"
      tail -c 1500 "$out/new-warmup-$i.log"; echo
    fi
  done
done
echo "== done"

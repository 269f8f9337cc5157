#!/usr/bin/env bash
# coldstart lane on the GPU machine (from the repository root, after compile.sh):
#   bash <pack>/device.sh <pack> <outdir>
# 1. the FLUX-like DiT prefetched once per build through a loopback Hub (startHubServer) into that
#    build's own HF cache; 2. fresh node processes loading it with loadCompiled, HF_HUB_OFFLINE=1,
#    interleaved: old (the older checkout), new, new with warmup, new without the CUDA prewarm, new
#    with the prewarm's context step only; 3. stage probes in fresh python processes (no torch import).
set -u
pack="$(cd "$1" && pwd)"; out="$2"; mkdir -p "$out"
models=/tmp/coldstart-models
repo="$models/flux-like"; [ -f "$repo/aotihub.json" ] || repo="$models/flux-like-1024"
{ ls -la "$models"; du -sh "$models"/*; head -c 3000 "$repo/aotihub.json"; } >"$out/models.txt" 2>&1
echo "== model: $repo"
[ -f "$repo/aotihub.json" ] || { echo "no compiled model"; exit 1; }
sides="new"; [ -d "$pack/old" ] && sides="old new"
for side in $sides; do
  echo "== prefetch $side ($(cat "$pack/$side/commit"))"
  HF_HUB_OFFLINE=0 timeout 40 node "$pack/$side/lib/cold-start.mjs" prefetch "$repo" "/tmp/cs-work-$side" 2>&1 | tail -5
done
export HF_HUB_OFFLINE=1
declare -A hung=()
fresh() { # <side> <label> <i> [warmup]  (env set by the caller); a label that hung once is not run again
  [ -n "${hung[$2]:-}" ] && return
  local s rc; s=$(date +%s%N)
  timeout 15 node "$pack/$1/lib/cold-start.mjs" fresh "$repo" "/tmp/cs-work-$1" "$2" "$out/$2-$3.json" ${4:-} >"$out/$2-$3.log" 2>&1
  rc=$?
  echo "$2 $3 rc=$rc wall_ms=$(( ($(date +%s%N) - s) / 1000000 ))" | tee -a "$out/wall.txt"
  [ $rc -ne 0 ] && { hung[$2]=1; tail -c 800 "$out/$2-$3.log"; }
}
echo "== fresh processes (HF_HUB_OFFLINE=1)"
for i in 1 2 3; do
  [ -d "$pack/old" ] && fresh old old "$i"
  fresh new new "$i"
  fresh new new-warmup "$i" warmup
  AOTIHUB_CUDA_PREWARM=0 fresh new new-noprewarm "$i"
  AOTIHUB_CUDA_PREWARM=context fresh new new-ctxonly "$i"
  python3 "$pack/summarize.py" "$out" >"$out/stages.md" 2>/dev/null
done
cat "$out/stages.md"
tail -c 600 "$out/new-1.log"
echo "== probe (fresh python, no torch import)"
for m in serial; do timeout 20 python3 "$pack/probe.py" $m 2>&1 | tee -a "$out/probe.jsonl"; done
echo "== done"

#!/usr/bin/env bash
# cold start on the GPU machine (from the repository root, after compile.sh and compile-standalone.sh;
# the standalone runs wait up to COLDSTART_SA_WAIT=40 s for a standalone compile still running):
#   bash <pack>/device.sh <pack> <outdir>        (budget: ~70-110 s with 5 rounds, COLDSTART_ROUNDS; give it 150)
# 1. the FLUX-like DiT (libtorch build, /tmp/coldstart-models) and its standalone build
#    (/tmp/coldstart-models-sa) prefetched once per side through a loopback Hub (startHubServer)
#    into that side's own HF cache; 2. fresh node processes loading them with loadCompiled,
#    HF_HUB_OFFLINE=1, interleaved: old (the older checkout, <pack>/old), new, new-noearly
#    (AOTIHUB_EARLY_START=0), new-spawn (AOTIHUB_PYTHON_LAYOUT_CACHE=0: torch located by a python
#    spawn, not by the saved answer), new-auto (device "auto", the default), new-warmup, new-early (`node --import @aotihub/loader/cuda-early`:
#    the driver's start at process start; COLDSTART_LABELS picks some of these), and for the standalone build sa-old, sa-new with torch
#    unfindable (no python3 on PATH, AOTIHUB_PYTHON unset, CUDA_HOME holding only lib64/libcudart), and
#    sa-new-early (sa-new with the driver's start at process start).
# Results: <outdir>/<label>-<i>.json (figures + stats.stages), wall.txt, stages.md (summarize.py).
set -u
pack="$(cd "$1" && pwd)"; out="$2"; mkdir -p "$out"; out="$(cd "$out" && pwd)"
rounds="${COLDSTART_ROUNDS:-5}"
# where the compiles put the models, and a scratch folder (overridable for a dry run on a CPU machine)
models="${COLDSTART_MODELS:-/tmp/coldstart-models}"; samodels="${COLDSTART_MODELS_SA:-/tmp/coldstart-models-sa}"
w="${COLDSTART_SCRATCH:-/tmp}"
repo="$models/flux-like"; [ -f "$repo/aotihub.json" ] || repo="$models/flux-like-1024"
sa="$samodels/flux-like-standalone"
{ ls -la "$models" "$samodels"; du -sh "$models"/* "$samodels"/*; } >"$out/models.txt" 2>&1
echo "== models: libtorch $repo ($([ -f "$repo/aotihub.json" ] && echo ok || echo missing)), standalone $sa ($([ -f "$sa/aotihub.json" ] && echo ok || echo missing))"
sides="new"; [ -d "$pack/old" ] && sides="old new"
node="$(command -v node)"
# torch unfindable for the standalone runs: a PATH holding node only, and a CUDA_HOME whose lib64
# holds torch's own libcudart (the nvidia wheel), which findCudaRuntime then finds without python
cudart="$(python3 -c 'import glob, os, nvidia; print(sorted(glob.glob(os.path.join(list(nvidia.__path__)[0], "cu*/lib/libcudart.so.*")))[0])' 2>/dev/null)"
mkdir -p $w/cs-cuda/lib64 $w/cs-path && ln -sf "$node" $w/cs-path/node
[ -n "$cudart" ] && ln -sf "$cudart" "$w/cs-cuda/lib64/$(basename "$cudart")"
echo "== libcudart for the standalone runs: ${cudart:-none found}"
tmo="$(command -v timeout)"
notorch() { env -u AOTIHUB_PYTHON -u AOTIHUB_TORCH_DIR PATH=$w/cs-path CUDA_HOME=$w/cs-cuda "$@"; }
for side in $sides; do
  echo "== prefetch $side ($(cat "$pack/$side/commit"))"
  [ -f "$repo/aotihub.json" ] && HF_HUB_OFFLINE=0 timeout 40 node "$pack/$side/lib/cold-start.mjs" prefetch "$repo" "$w/cs-work-$side" 2>&1 | tail -3
done
export HF_HUB_OFFLINE=1
declare -A hung=()
fresh() { # <side> <label> <i> <repo> <work> [warmup]  (env set by the caller; NOTORCH=1: torch unfindable)
  [ -n "${hung[$2]:-}" ] && return # a label that failed once is not run again
  [ -f "$4/aotihub.json" ] || return
  local s rc pre=() early=(); [ -n "${NOTORCH:-}" ] && pre=(notorch)
  # EARLY=1: the driver's start at process start (node --import @aotihub/loader/cuda-early)
  [ -n "${EARLY:-}" ] && { [ -f "$pack/$1/lib/cuda-early.mjs" ] || return; early=(--import "$pack/$1/lib/cuda-early.mjs"); }
  # the bench sets the same AOTIHUB_CACHE itself, but only once it runs: the --import hook, earlier,
  # reads the python layout a previous process saved there
  export AOTIHUB_CACHE="$5/aotihub"
  s=$(date +%s%N)
  "${pre[@]}" "$tmo" 15 "$node" "${early[@]}" "$pack/$1/lib/cold-start.mjs" fresh "$4" "$5" "$2" "$out/$2-$3.json" ${6:-} >"$out/$2-$3.log" 2>&1
  rc=$?
  echo "$2 $3 rc=$rc wall_ms=$(( ($(date +%s%N) - s) / 1000000 ))" | tee -a "$out/wall.txt"
  [ $rc -ne 0 ] && { hung[$2]=1; tail -c 800 "$out/$2-$3.log"; }
}
echo "== libtorch build: fresh processes (HF_HUB_OFFLINE=1), $rounds rounds"
labels=" ${COLDSTART_LABELS:-old new new-noearly new-warmup} "
want() { [[ "$labels" == *" $1 "* ]]; }
for i in $(seq 1 "$rounds"); do
  [ -d "$pack/old" ] && want old && fresh old old "$i" "$repo" "$w/cs-work-old"
  want new && fresh new new "$i" "$repo" "$w/cs-work-new"
  want new-auto && COLDSTART_DEVICE=auto fresh new new-auto "$i" "$repo" "$w/cs-work-new"
  want new-noearly && AOTIHUB_EARLY_START=0 fresh new new-noearly "$i" "$repo" "$w/cs-work-new"
  want new-spawn && AOTIHUB_PYTHON_LAYOUT_CACHE=0 fresh new new-spawn "$i" "$repo" "$w/cs-work-new"
  want new-warmup && fresh new new-warmup "$i" "$repo" "$w/cs-work-new" warmup
  want new-early && EARLY=1 fresh new new-early "$i" "$repo" "$w/cs-work-new"
  python3 "$pack/summarize.py" "$out" >"$out/stages.md" 2>/dev/null
done
# the standalone build: its compile may still run (compile-standalone.sh detaches it)
waited=0
while [ -f "$samodels/standalone.started" ] && [ ! -f "$samodels/standalone.rc" ] && [ $waited -lt "${COLDSTART_SA_WAIT:-40}" ]; do
  sleep 2; waited=$((waited + 2))
done
echo "== standalone build: $sa ($([ -f "$sa/aotihub.json" ] && echo ok || echo missing); waited ${waited} s; compile: $(cat "$samodels/standalone.rc" 2>/dev/null || echo 'no rc'))"
if [ -f "$sa/aotihub.json" ]; then
  for side in $sides; do
    HF_HUB_OFFLINE=0 notorch "$tmo" 40 "$node" "$pack/$side/lib/cold-start.mjs" prefetch "$sa" "$w/cs-work-sa-$side" 2>&1 | tail -3
  done
  for i in $(seq 1 "$rounds"); do
    [ -d "$pack/old" ] && NOTORCH=1 fresh old sa-old "$i" "$sa" "$w/cs-work-sa-old"
    NOTORCH=1 fresh new sa-new "$i" "$sa" "$w/cs-work-sa-new"
    NOTORCH=1 EARLY=1 fresh new sa-new-early "$i" "$sa" "$w/cs-work-sa-new"
  done
fi
python3 "$pack/summarize.py" "$out" >"$out/stages.md" 2>/dev/null
cat "$out/stages.md"
echo "== done"

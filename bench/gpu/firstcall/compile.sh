#!/usr/bin/env bash
# firstcall lane, slot compile phase (in parallel with other lanes): the FLUX-like DiT's 1024-token
# bucket compiled into /tmp/firstcall-models, each build its own inductor cache:
#   torch          torch's own attention choice (cuDNN first on the H200 with torch 2.11)
#   nocudnn        flash/efficient/math only (the export helper's CUDA default)
#   nocudnn-patch  the same, and the patch-embedding conv as a matmul (no cuDNN call left)
# FIRSTCALL_BUILDS picks some (default: all three).
#   bash compile.sh <outdir>        (from the repository root, PYTHONPATH set by the slot)
set -u
pack="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"; mkdir -p "$out" /tmp/firstcall-models
export PYTHONPATH="$pack/py${PYTHONPATH:+:$PYTHONPATH}"
one() { # <tag> <attention> <seconds> [more export flags]
  local start=$SECONDS tag="$1" attention="$2" seconds="$3"
  shift 3
  TORCHINDUCTOR_CACHE_DIR="/tmp/firstcall-inductor-$tag" timeout "$seconds" python3 -m aotihub_export --device cuda \
    --out "/tmp/firstcall-models/$tag" --io --spec "$pack/flux_1024.py" --attention "$attention" "$@" >"$out/compile-$tag.log" 2>&1
  echo "$tag rc=$? s=$((SECONDS - start))" | tee -a "$out/compile-times.txt"
  grep -h "compiled in" "$out/compile-$tag.log" | tail -1
}
builds="${FIRSTCALL_BUILDS:-torch nocudnn nocudnn-patch}"
for b in $builds; do
  case "$b" in
    torch) one torch torch 190 --no-patch-conv-as-matmul & ;;
    nocudnn) one nocudnn flash,efficient,math 190 --no-patch-conv-as-matmul & ;;
    nocudnn-patch) one nocudnn-patch flash,efficient,math 190 --patch-conv-as-matmul & ;;
  esac
done
wait

#!/usr/bin/env bash
# firstcall lane, slot compile phase (in parallel with other lanes): the FLUX-like DiT's 1024-token
# bucket compiled twice into /tmp/firstcall-models, with torch's own attention choice (cuDNN first
# on the H200 with torch 2.11) and with flash/efficient/math only. Each its own inductor cache.
#   bash compile.sh <outdir>        (from the repository root, PYTHONPATH set by the slot)
set -u
pack="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"; mkdir -p "$out" /tmp/firstcall-models
export PYTHONPATH="$pack/py${PYTHONPATH:+:$PYTHONPATH}"
one() { # <tag> <attention> <seconds>
  local start=$SECONDS
  TORCHINDUCTOR_CACHE_DIR="/tmp/firstcall-inductor-$1" timeout "$3" python3 -m aotihub_export --device cuda \
    --out "/tmp/firstcall-models/$1" --io --spec "$pack/flux_1024.py" --attention "$2" >"$out/compile-$1.log" 2>&1
  echo "$1 rc=$? s=$((SECONDS - start))" | tee -a "$out/compile-times.txt"
  grep -h "compiled in" "$out/compile-$1.log" | tail -1
}
one torch torch 190 &
one nocudnn flash,efficient,math 190 &
wait

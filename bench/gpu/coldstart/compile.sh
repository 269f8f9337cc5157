#!/usr/bin/env bash
# coldstart lane: compile the FLUX-like DiT into /tmp/coldstart-models, both buckets and (in
# parallel, in case both do not fit the slot's compile time) the 1024-token bucket alone.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"; mkdir -p "$out" /tmp/coldstart-models
one() { # <spec> <tag> <seconds>: bounded here, so no compile outlives the slot's compile phase
  local start=$SECONDS
  # each compile its own inductor cache: two compiles of the same graph in one cache race on its files
  TORCHINDUCTOR_CACHE_DIR="/tmp/coldstart-inductor-$2" timeout "$3" python3 -m aotihub_export --device cuda --out-root /tmp/coldstart-models --io --spec "$1" >"$out/compile-$2.log" 2>&1
  echo "$2 rc=$? s=$((SECONDS - start))" | tee -a "$out/compile-times.txt"
}
one "$here/flux_like.py" both 185 &
one "$here/flux_1024.py" 1024 190 &
wait
du -sh /tmp/coldstart-models/* 2>/dev/null

#!/usr/bin/env bash
# cold start: the FLUX-like DiT's standalone build (1024-token bucket; bench/gpu/standalone's spec)
# into /tmp/coldstart-models-sa, for device.sh's sa-* runs. Runs beside the other compiles:
#   bash <pack>/compile-standalone.sh <outdir> [seconds, default 190]
# Needs aotihub_export on PYTHONPATH (the slot's tree).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"; mkdir -p "$out" /tmp/coldstart-models-sa
start=$SECONDS
TORCHINDUCTOR_CACHE_DIR=/tmp/coldstart-inductor-sa timeout "${2:-190}" python3 -m aotihub_export --device cuda \
  --out-root /tmp/coldstart-models-sa --io --spec "$here/flux_like_standalone.py" >"$out/compile-standalone.log" 2>&1
echo "standalone rc=$? s=$((SECONDS - start))" | tee -a "$out/compile-times.txt"
du -sh /tmp/coldstart-models-sa/* 2>/dev/null

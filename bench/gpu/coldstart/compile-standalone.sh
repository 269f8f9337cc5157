#!/usr/bin/env bash
# cold start: the FLUX-like DiT's standalone build (1024-token bucket; bench/gpu/standalone's spec)
# into /tmp/coldstart-models-sa, for device.sh's sa-* runs. Runs beside the other compiles:
#   bash <pack>/compile-standalone.sh <outdir> [seconds to wait, default 190]
# The compile runs detached (it took ~200 s on the H200 machine beside other compiles, 2026-11-30):
# if it is not done when the wait ends it goes on, and device.sh waits for its .rc file before the
# standalone runs. Needs aotihub_export on PYTHONPATH (the slot's tree).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
models=/tmp/coldstart-models-sa
mkdir -p "$models"; rm -f "$models/standalone.rc"; touch "$models/standalone.started"
setsid nohup bash -c 'start=$SECONDS; TORCHINDUCTOR_CACHE_DIR=/tmp/coldstart-inductor-sa python3 -m aotihub_export --device cuda \
  --out-root '"$models"' --io --spec '"$here/flux_like_standalone.py"' >'"$out/compile-standalone.log"' 2>&1
  echo "$? $((SECONDS - start))" >'"$models/standalone.rc"'' </dev/null >/dev/null 2>&1 &
start=$SECONDS
while [ ! -f "$models/standalone.rc" ] && [ $((SECONDS - start)) -lt "${2:-190}" ]; do sleep 2; done
if [ -f "$models/standalone.rc" ]; then
  echo "standalone rc=$(cut -d' ' -f1 "$models/standalone.rc") s=$(cut -d' ' -f2 "$models/standalone.rc")" | tee -a "$out/compile-times.txt"
else
  echo "standalone still compiling after $((SECONDS - start)) s (device.sh waits for it)" | tee -a "$out/compile-times.txt"
fi
du -sh "$models"/* 2>/dev/null

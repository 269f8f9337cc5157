#!/usr/bin/env bash
# The floors under a fresh process's first output on the GPU machine (issue 13's < 0.3 s goal):
# a C process that only creates the CUDA context (context_floor.c), and an empty `node` process.
# Each is timed from the parent, spawn to exit, 5 fresh processes, interleaved.
#   bash bench/gpu/floor/device.sh <outdir>      (from the repository root; node on PATH)
set -u
out="$(mkdir -p "$1" && cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gcc -O2 -o /tmp/context_floor "$here/context_floor.c" -ldl || exit 1
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
for i in 1 2 3 4 5; do
  t=$(date +%s%N); steps=$(/tmp/context_floor); c=$(ms "$t")
  t=$(date +%s%N); node -e 0; n=$(ms "$t")
  echo "{\"round\": $i, \"context process ms\": $c, \"empty node process ms\": $n, \"context steps\": $steps}" | tee -a "$out/floor.jsonl"
done

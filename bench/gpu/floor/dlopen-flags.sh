#!/usr/bin/env bash
# RTLD_NOW against RTLD_LAZY for torch's libraries on the GPU machine (dlopen_flags.c), interleaved
# fresh processes: whether lazy binding would shorten the ~0.4 s libtorch dlopen of a cold start.
#   bash bench/gpu/floor/dlopen-flags.sh <outdir> [rounds]     (python3 with torch on PATH)
set -u
out="$(mkdir -p "$1" && cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gcc -O2 -o /tmp/dlopen_flags "$here/dlopen_flags.c" -ldl || exit 1
lib="$(python3 -c 'import importlib.util as u, os; print(os.path.join(u.find_spec("torch").submodule_search_locations[0], "lib"))')"
for i in $(seq 1 "${2:-6}"); do
  for f in libtorch_cuda.so libtorch_cpu.so; do
    for mode in now lazy; do /tmp/dlopen_flags "$lib/$f" "$mode" | tee -a "$out/dlopen-flags.jsonl"; done
  done
done
python3 - "$out/dlopen-flags.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for f in sorted({r["file"] for r in rows}):
    for m in ("now", "lazy"):
        v = [r["ms"] for r in rows if r["file"] == f and r["flags"] == m]
        print(f"{f} {m}: median {statistics.median(v):.0f} ms (range {min(v):.0f}-{max(v):.0f}, n={len(v)})")
PY

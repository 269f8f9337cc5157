#!/usr/bin/env bash
# Whether a 1 GiB weight upload beside libtorch's dlopen slows it, filled from a mapping or by pread
# (dlopen_beside_upload.c), against the upload after the dlopen (today's order); interleaved fresh
# processes, the weights file's pages in the page cache.
#   bash bench/gpu/floor/dlopen-beside-upload.sh <outdir> [rounds]     (python3 with torch on PATH)
set -u
out="$(mkdir -p "$1" && cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gcc -O2 -pthread -o /tmp/dlopen_beside_upload "$here/dlopen_beside_upload.c" -ldl || exit 1
lib="$(python3 -c 'import importlib.util as u, os; print(os.path.join(u.find_spec("torch").submodule_search_locations[0], "lib"))')"
w=/tmp/dlopen-beside-weights.bin
[ -f "$w" ] || head -c $((1 << 30)) /dev/urandom >"$w"
cat "$w" >/dev/null
for i in $(seq 1 "${2:-6}"); do
  for mode in none mmap pread after-mmap after-pread; do
    timeout 20 /tmp/dlopen_beside_upload "$lib/libtorch_cuda.so" "$w" "$mode" 8 | tee -a "$out/dlopen-beside-upload.jsonl"
  done
done
python3 - "$out/dlopen-beside-upload.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def m(v): return f"{statistics.median(v):.0f} ({min(v):.0f}-{max(v):.0f})"
print("| mode | dlopen ms | dlopen ends (ms since start) | context, buffer, slots ready | upload ms | GB/s | upload ends | n |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for mode in ("none", "mmap", "pread", "after-mmap", "after-pread"):
    r = [x for x in rows if x["mode"] == mode]
    if not r: continue
    up = [x for x in r if x["uploadMs"] > 0]
    print(f"| {mode} | {m([x['dlopenMs'] for x in r])} | {m([x['dlopenEnd'] for x in r])} | {m([x['preparedAt'] for x in r])} | "
          + (f"{m([x['uploadMs'] for x in up])} | {m([x['gbps'] for x in up])} | {m([x['uploadEnd'] for x in up])}" if up else "- | - | -")
          + f" | {len(r)} |")
PY

#!/usr/bin/env bash
# Puts what bench/gpu/firstcall/{compile,device}.sh need into <dest> (the slot's folder): this
# tree's addon, the bundled first-call script, the export helper's sources (this tree's, first on
# PYTHONPATH), the FLUX-like spec. node and the safetensors wheel are the slot's own.
#   bash bench/gpu/firstcall/pack.sh /work/main/.gpu/firstcall
# In a slot: `bash .gpu/firstcall/compile.sh <out>` beside the other compiles (FIRSTCALL_BUILDS: which
# of torch, nocudnn, nocudnn-patch; default all three, ~100 s each in parallel on the H200), then
# `bash .gpu/firstcall/device.sh .gpu/firstcall <out>` (~100 s with every piece and knob; a re-run
# that skips what slot 1 measured: FIRSTCALL_PIECES="conv blas blas-thread linear" FIRSTCALL_KNOBS=0).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
dest="$1"
here="$root/bench/gpu/firstcall"
esbuild="$(ls -d "$root"/node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
ngb="$(ls -d "$root"/node_modules/.pnpm/node-gyp-build@*/node_modules/node-gyp-build | head -1)"
rm -rf "$dest" && mkdir -p "$dest/lib" "$dest/build/Release" "$dest/node_modules" "$dest/py"
cp -rL "$ngb" "$dest/node_modules/"
cp "$root/packages/native/build/Release/aotihub_native.node" "$dest/build/Release/"
(cd "$root" && "$esbuild" bench/gpu/firstcall/first-call.ts --bundle --platform=node --format=esm --target=node20 \
  --tsconfig=tsconfig.json --outfile="$dest/lib/first-call.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);")
cp -r "$root/python/aotihub_export/src/aotihub_export" "$dest/py/"
find "$dest/py" -name __pycache__ -prune -exec rm -rf {} +
cp "$root/bench/gpu/flux_like.py" "$root/bench/gpu/coldstart/flux_1024.py" "$here"/*.py "$here/compile.sh" "$here/device.sh" "$dest/"
git -C "$root" log -1 --format=%h >"$dest/commit"
du -sh "$dest"

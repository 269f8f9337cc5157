#!/usr/bin/env bash
# Here (CPU machine): put what the standalone lane's GPU slot needs into <dest> (default
# /work/main/.gpu/standalone): the built addon, node-gyp-build, the bundled standalone-gpu script,
# this folder's scripts and specs, and this branch's export helper (first on PYTHONPATH there).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
dest="${1:-/work/main/.gpu/standalone}"
cd "$root"
rm -rf "$dest" && mkdir -p "$dest/build/Release" "$dest/lib" "$dest/node_modules" "$dest/py" "$dest/specs"
cp packages/native/build/Release/aotihub_native.node "$dest/build/Release/"
cp -rL packages/native/node_modules/node-gyp-build "$dest/node_modules/"
esbuild="$(ls -d node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
for entry in test/gpu/standalone-gpu.ts test/gpu/standalone-load-compiled-gpu.ts; do
  "$esbuild" "$entry" --bundle --platform=node --format=esm --target=node20 \
    --tsconfig=tsconfig.json --outfile="$dest/lib/$(basename "$entry" .ts).mjs" \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" --log-level=warning
done
cp -r python/aotihub_export/src/aotihub_export "$dest/py/"
find "$dest/py" -name __pycache__ -prune -exec rm -rf {} +
cp bench/gpu/standalone/*.py bench/gpu/standalone/*.sh bench/gpu/flux_like.py test/gpu/standalone-shim-cuda-probe.cc "$dest/specs/"
cp test/models/standalone_*.py test/models/both_runtimes_mlp.py test/models/small_conv.py test/models/tiny_mlp.py test/models/bf16_mlp.py "$dest/specs/"
mv "$dest/specs/compile.sh" "$dest/specs/device.sh" "$dest/"
du -sh "$dest"

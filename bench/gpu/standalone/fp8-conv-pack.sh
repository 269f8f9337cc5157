#!/usr/bin/env bash
# Here (CPU machine): put what the fp8/conv standalone GPU run needs into <dest> (default
# /work/main/.gpu/fp8): the built addon, the bundled standalone-gpu script, the specs and scripts,
# and this branch's export helper (first on PYTHONPATH there). Entry points: <dest>/compile.sh,
# <dest>/device.sh (from fp8-conv-compile.sh and fp8-conv-device.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
dest="${1:-/work/main/.gpu/fp8}"
cd "$root"
rm -rf "$dest" && mkdir -p "$dest/build/Release" "$dest/lib" "$dest/node_modules" "$dest/py" "$dest/specs"
cp packages/native/build/Release/aotihub_native.node "$dest/build/Release/"
cp -rL packages/native/node_modules/node-gyp-build "$dest/node_modules/"
esbuild="$(ls -d node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
"$esbuild" test/gpu/standalone-gpu.ts --bundle --platform=node --format=esm --target=node20 \
  --tsconfig=tsconfig.json --outfile="$dest/lib/standalone-gpu.mjs" \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" --log-level=warning
cp -r python/aotihub_export/src/aotihub_export "$dest/py/"
find "$dest/py" -name __pycache__ -prune -exec rm -rf {} +
cp bench/gpu/standalone/{symbols,shim_coverage,find_cudart,dit_tiny_cuda,dit_53m,conv_decoder,quick_autotune_export}.py \
  bench/gpu/standalone/flux_like_fp8_standalone.py bench/gpu/flux_like.py \
  test/gpu/standalone-shim-cuda-probe.cc test/models/standalone_conv.py test/models/small_conv.py "$dest/specs/"
cp bench/gpu/standalone/fp8-conv-compile.sh "$dest/compile.sh"
cp bench/gpu/standalone/fp8-conv-device.sh "$dest/device.sh"
cp bench/gpu/standalone/fp8-conv-run.sh "$dest/run.sh"
du -sh "$dest"

#!/usr/bin/env bash
# Puts what bench/gpu/upload/device.sh needs into <dest> (the GPU machine has no Node, no network):
# this tree's addon, the benchmark bundled into one .mjs, node-gyp-build, the device script.
#   bash bench/gpu/upload/pack.sh <dest>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
dest="$1"
mkdir -p "$dest/build/Release" "$dest/lib" "$dest/node_modules"
esbuild="$(ls -d "$root"/node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
(cd "$root/packages/native" && npx node-gyp build --release -j 2 >/dev/null)
cp "$root/packages/native/build/Release/aotihub_native.node" "$dest/build/Release/"
(cd "$root" && "$esbuild" bench/gpu/upload.bench.ts --bundle --platform=node --format=esm --target=node20 \
  --tsconfig=tsconfig.json --outfile="$dest/lib/upload.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);")
ngb="$(ls -d "$root"/node_modules/.pnpm/node-gyp-build@*/node_modules/node-gyp-build | head -1)"
rm -rf "$dest/node_modules/node-gyp-build" && cp -rL "$ngb" "$dest/node_modules/"
cp "$root/bench/gpu/upload/device.sh" "$dest/"
du -sh "$dest"

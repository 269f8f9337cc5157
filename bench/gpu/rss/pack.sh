#!/usr/bin/env bash
# Puts what bench/gpu/rss/device.sh needs into <dest>: this tree's addon, the probe bundled into one
# .mjs, node-gyp-build (the bundle leaves it external), the two anchors and device.sh.
#   bash bench/gpu/rss/pack.sh <dest>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
dest="$1"
rm -rf "$dest/lib" "$dest/build" "$dest/node_modules"
mkdir -p "$dest/lib" "$dest/build/Release" "$dest/node_modules"
esbuild="$(ls -d "$root"/node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
(cd "$root" && "$esbuild" bench/gpu/rss/cycle-probe.ts --bundle --platform=node --format=esm --target=node20 \
  --tsconfig=tsconfig.json --outfile="$dest/lib/cycle-probe.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);")
(cd "$root/packages/native" && npx node-gyp build --release -j 2 >/dev/null)
cp "$root/packages/native/build/Release/aotihub_native.node" "$dest/build/Release/"
cp -rL "$(ls -d "$root"/node_modules/.pnpm/node-gyp-build@*/node_modules/node-gyp-build | head -1)" "$dest/node_modules/"
cp "$root/bench/gpu/rss/anchor_cycles.py" "$root/bench/gpu/rss/anchor-cycles.cc" "$root/bench/gpu/rss/device.sh" "$dest/"
git -C "$root" log -1 --format=%h >"$dest/commit"
du -sh "$dest"

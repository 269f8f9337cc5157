#!/usr/bin/env bash
# Puts what bench/gpu/device.sh needs into <dest> (the GPU machine has no Node and no network):
# node, this tree's addon and bundled scripts ("new"), the same scripts bundled against another
# checkout's sources with its addon ("old", for before/after in one run), the C ABI anchor source.
#   bash bench/gpu/pack.sh <dest> [<old-checkout>]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$1"
old="${2:-}"
mkdir -p "$dest/new/lib" "$dest/new/build/Release" "$dest/anchor"
[ -f "$dest/node.xz" ] || xz -T2 -c "$(readlink -f "$(command -v node)")" >"$dest/node.xz"
esbuild="$(ls -d "$root"/node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
bundle() { # <tree> <entry> <out>
  (cd "$1" && "$esbuild" "$2" --bundle --platform=node --format=esm --target=node20 --tsconfig=tsconfig.json \
    --outfile="$3" --log-level=warning \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);")
}
(cd "$root/packages/native" && npx node-gyp build --release -j 2 >/dev/null)
cp "$root/packages/native/build/Release/aotihub_native.node" "$dest/new/build/Release/"
bundle "$root" bench/gpu/gpu-perf.bench.ts "$dest/new/lib/gpu-perf.mjs"
bundle "$root" test/gpu/device-tensors-gpu.ts "$dest/new/lib/device-tensors-gpu.mjs"
if [ -n "$old" ]; then
  mkdir -p "$dest/old/lib" "$dest/old/build/Release"
  tmp="$(mktemp -d)"
  git -C "$old" archive HEAD packages test bench tsconfig.json tsconfig.base.json | tar -x -C "$tmp"
  ln -s "$old/node_modules" "$tmp/node_modules"
  for pkg in "$old"/packages/*/node_modules; do ln -s "$pkg" "$tmp/packages/$(basename "$(dirname "$pkg")")/node_modules"; done
  mkdir -p "$tmp/bench/gpu" && cp "$root/bench/gpu/gpu-perf.bench.ts" "$tmp/bench/gpu/"
  bundle "$tmp" bench/gpu/gpu-perf.bench.ts "$dest/old/lib/gpu-perf.mjs"
  cp "$old/packages/native/build/Release/aotihub_native.node" "$dest/old/build/Release/"
  # Newer checkouts find their addon through node-gyp-build, which the bundle leaves external.
  ngb="$(ls -d "$old"/node_modules/.pnpm/node-gyp-build@*/node_modules/node-gyp-build 2>/dev/null | head -1)"
  [ -n "$ngb" ] && mkdir -p "$dest/old/node_modules" && cp -rL "$ngb" "$dest/old/node_modules/"
  git -C "$old" log -1 --format=%h >"$dest/old/commit"
  rm -rf "$tmp"
fi
cp "$root"/bench/anchor/* "$dest/anchor/"
cp "$root"/bench/gpu/dit_1024.py "$root"/bench/gpu/device.sh "$dest/"
du -sh "$dest"

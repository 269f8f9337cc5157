#!/usr/bin/env bash
# Puts what bench/gpu/coldstart/device.sh needs into <dest>: this tree's addon and bundled bench
# ("new"), and with <old-checkout> the same bench bundled against that checkout's sources with its
# addon ("old", before/after in one run). node.xz and the safetensors wheel are the slot's own.
#   [OLD_REF=<commit>] bash bench/gpu/coldstart/pack.sh <dest> [<old-checkout> [<old-addon>]]
# (the old addon must be built from that commit). Without <old-checkout>, an old/ already in <dest>
# is kept: pack old once, then re-pack new from each tree to measure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
dest="$1"
old="${2:-}"
oldAddon="${3:-${old:+$old/packages/native/build/Release/aotihub_native.node}}"
esbuild="$(ls -d "$root"/node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
bundle() { # <tree> <entry> <out>
  (cd "$1" && "$esbuild" "$2" --bundle --platform=node --format=esm --target=node20 --tsconfig=tsconfig.json \
    --outfile="$3" --log-level=warning \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);")
}
ngb="$(ls -d "$root"/node_modules/.pnpm/node-gyp-build@*/node_modules/node-gyp-build | head -1)"
for side in new ${old:+old}; do
  mkdir -p "$dest/$side/lib" "$dest/$side/build/Release" "$dest/$side/node_modules"
  cp -rL "$ngb" "$dest/$side/node_modules/"
done
(cd "$root/packages/native" && npx node-gyp build --release -j 2 >/dev/null)
cp "$root/packages/native/build/Release/aotihub_native.node" "$dest/new/build/Release/"
bundle "$root" bench/gpu/cold-start-gpu.bench.ts "$dest/new/lib/cold-start.mjs"
# the --import entry of the early-driver labels, bundled alone (it must run before the bench's imports),
# its torch lookup split into chunks beside it, so that only the driver's start is parsed before it runs
(cd "$root" && "$esbuild" packages/native/lib/cuda-early.ts --bundle --splitting --platform=node --format=esm \
  --target=node20 --tsconfig=tsconfig.json --outdir="$dest/new/lib" --out-extension:.js=.mjs --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);")
git -C "$root" log -1 --format=%h >"$dest/new/commit"
if [ -n "$old" ]; then
  tmp="$(mktemp -d)"
  git -C "$old" archive "${OLD_REF:-HEAD}" packages test bench tsconfig.json tsconfig.base.json | tar -x -C "$tmp"
  ln -s "$old/node_modules" "$tmp/node_modules"
  for pkg in "$old"/packages/*/node_modules; do ln -s "$pkg" "$tmp/packages/$(basename "$(dirname "$pkg")")/node_modules"; done
  mkdir -p "$tmp/bench/gpu" && cp "$root/bench/gpu/cold-start-gpu.bench.ts" "$tmp/bench/gpu/"
  bundle "$tmp" bench/gpu/cold-start-gpu.bench.ts "$dest/old/lib/cold-start.mjs"
  cp "$oldAddon" "$dest/old/build/Release/aotihub_native.node"
  git -C "$old" log -1 --format=%h "${OLD_REF:-HEAD}" >"$dest/old/commit"
  rm -rf "$tmp"
fi
cp "$root"/bench/gpu/flux_like.py "$root"/bench/gpu/standalone/flux_like_standalone.py \
  "$root"/bench/gpu/coldstart/*.py "$root"/bench/gpu/coldstart/*.sh "$dest/"
rm -f "$dest/pack.sh"
du -sh "$dest"

#!/usr/bin/env bash
# Puts what bench/gpu/device.sh needs into <dest> (the GPU machine has no Node and no network): this
# tree's addon and bundled benchmarks ("new"), the same benchmarks bundled against another commit's
# sources with that commit's addon ("old", for before/after in one run), the C ABI anchor source,
# the model specs and the two slot scripts (compile.sh, device.sh). Node itself is not copied when
# a node.xz is found beside <dest> (the slot machinery brings one).
#   bash bench/gpu/pack.sh <dest> [<old commit>] [percall]
# "percall": <dest>/device.sh and compile.sh become the per-call lane's entries (the slot machinery
# calls them without arguments): the DiT alone, per-call figures only (new, old; PERCALL_ROUNDS x PERCALL_CALLS, 6 x 150 by default: ~70 s on an H200
# host); the full scripts stay beside them as bench-device.sh and bench-compile.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# absolute: the old side is bundled from inside another tree
dest="$(mkdir -p "$1" && cd "$1" && pwd)"
old="${2:-}"
mode="${3:-}"
rm -rf "$dest/new" "$dest/old"
mkdir -p "$dest/new/lib" "$dest/new/build/Release" "$dest/anchor"
[ -f "$dest/../node.xz" ] || [ -f "$dest/node.xz" ] || xz -T2 -c "$(readlink -f "$(command -v node)")" >"$dest/node.xz"
esbuild="$(ls -d "$root"/node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
entries=(bench/gpu/per-call.bench.ts bench/gpu/cuda-cycles.bench.ts)
extra=(test/gpu/cuda-cycles.ts)
# The per-call lane bundles only its benchmark (another lane's changes to the lifecycle check then
# cannot break the old build's bundle).
[ "$mode" = percall ] && entries=(bench/gpu/per-call.bench.ts) && extra=()
bundle() { # <tree> <out dir>
  local entry
  for entry in "${entries[@]}"; do
    (cd "$1" && "$esbuild" "$entry" --bundle --platform=node --format=esm --target=node20 --tsconfig=tsconfig.json \
      --outfile="$2/$(basename "$entry" .bench.ts).mjs" --log-level=warning \
      --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);")
  done
}
ngb() { # the addon is found through node-gyp-build, which the bundles leave external
  mkdir -p "$1/node_modules" && cp -rL "$(ls -d "$root"/node_modules/.pnpm/node-gyp-build@*/node_modules/node-gyp-build | head -1)" "$1/node_modules/"
}
(cd "$root/packages/native" && npx node-gyp build --release -j 2 >/dev/null)
cp "$root/packages/native/build/Release/aotihub_native.node" "$dest/new/build/Release/"
bundle "$root" "$dest/new/lib"
# The --import hook (node --import .../cuda-early.mjs) for device.sh's new-hook label: bundled alone,
# its torch lookup split into a chunk beside it, as bench/gpu/coldstart/pack.sh does.
(cd "$root" && "$esbuild" packages/native/lib/cuda-early.ts --bundle --splitting --platform=node --format=esm \
  --target=node20 --tsconfig=tsconfig.json --outdir="$dest/new/lib" --out-extension:.js=.mjs --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);")
ngb "$dest/new"
git -C "$root" log -1 --format=%h >"$dest/new/commit"
if [ -n "$old" ]; then
  # The old commit's sources, built once per commit (its addon with node-gyp, this tree's modules).
  tree="/tmp/aotihub-old-$(git -C "$root" rev-parse --short "$old")"
  if [ ! -f "$tree/packages/native/build/Release/aotihub_native.node" ]; then
    rm -rf "$tree" && mkdir -p "$tree"
    git -C "$root" archive "$old" packages test bench tsconfig.json tsconfig.base.json | tar -x -C "$tree"
    ln -s "$root/node_modules" "$tree/node_modules"
    for pkg in "$root"/packages/*/node_modules; do ln -sfn "$pkg" "$tree/packages/$(basename "$(dirname "$pkg")")/node_modules"; done
    (cd "$tree/packages/native" && npx node-gyp rebuild --release -j 2 >/dev/null)
  fi
  # This tree's benchmarks, over the old sources.
  mkdir -p "$tree/bench/gpu" "$tree/test/gpu" "$dest/old/lib" "$dest/old/build/Release"
  for f in "${entries[@]}" "${extra[@]}"; do cp "$root/$f" "$tree/$f"; done
  bundle "$tree" "$dest/old/lib"
  cp "$tree/packages/native/build/Release/aotihub_native.node" "$dest/old/build/Release/"
  ngb "$dest/old"
  git -C "$root" rev-parse --short "$old" >"$dest/old/commit"
fi
cp "$root"/bench/anchor/* "$dest/anchor/"
cp "$root"/bench/gpu/dit_1024.py "$root"/bench/gpu/device.sh "$root"/bench/gpu/compile.sh "$dest/"
if [ "$mode" = percall ]; then
  mv "$dest/device.sh" "$dest/bench-device.sh"
  mv "$dest/compile.sh" "$dest/bench-compile.sh"
  cat >"$dest/device.sh" <<'EOF'
#!/usr/bin/env bash
# Per-call lane (made by bench/gpu/pack.sh ... percall): per-call figures only; partial results stay in <outdir>.
PERCALL_ROUNDS=${PERCALL_ROUNDS:-6} PERCALL_CALLS=${PERCALL_CALLS:-150} exec bash "$1/bench-device.sh" "$1" "$2" percall
EOF
  cat >"$dest/compile.sh" <<'EOF'
#!/usr/bin/env bash
# Per-call lane: the 53M DiT (1024 tokens) for CUDA and the C ABI anchor; no tiny MLP.
PERCALL_ONLY=1 exec bash "$(dirname "${BASH_SOURCE[0]}")/bench-compile.sh" "$@"
EOF
fi
du -sh "$dest"

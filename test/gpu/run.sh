#!/usr/bin/env bash
# The CUDA suite, in two steps because the GPU machine has no Node and no network:
#   bash test/gpu/run.sh pack     # here: put node, the built addon, the bundled suite, the CUDA
#                                 # fixtures and a safetensors wheel in .gpu/ (gitignored)
#   bash test/gpu/run.sh device   # there (carry .gpu): compile the test models for CUDA with the
#                                 # system python3's torch, run the suite, write $OUT/gpu-results.json
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
gpu="$root/.gpu"
log() { printf '[gpu] %s\n' "$*" >&2; }

pack() {
  mkdir -p "$gpu/build/Release" "$gpu/lib" "$gpu/wheels"
  [ -e "$gpu/fixtures" ] || mkdir -p "$gpu/fixtures"
  [ -f "$gpu/node.xz" ] || xz -T2 -c "$(readlink -f "$(command -v node)")" >"$gpu/node.xz"
  (cd packages/native && npx node-gyp build --release -j 2 >/dev/null)
  cp packages/native/build/Release/aotihub_native.node "$gpu/build/Release/"
  # The addon is found through node-gyp-build (lib/binding.ts), which the bundles require at run time.
  mkdir -p "$gpu/node_modules" && cp -rL packages/native/node_modules/node-gyp-build "$gpu/node_modules/"
  # One ESM file holding the suite, the runtime and its dependencies; the addon path it computes
  # (../build/Release from lib/) lands on the copy above.
  local esbuild
  esbuild="$(ls -d node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)"
  local entry
  for entry in gpu-main load-compiled-gpu multi-gpu device-tensors-gpu standalone-gpu loop-spin-gpu; do
    "$esbuild" "test/gpu/$entry.ts" --bundle --platform=node --format=esm --target=node20 \
      --tsconfig=tsconfig.json --outfile="$gpu/lib/$entry.mjs" \
      --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" --log-level=warning
  done
  # The checked-in fixtures (packages/native/test/fixtures/README.md says how each was made).
  # (a folder already linked to the fixtures, to keep the carried tree small, is left as it is)
  [ -L "$gpu/fixtures" ] || cp packages/native/test/fixtures/aoti-cuda-sm90-torch2.11/* "$gpu/fixtures/"
  [ -L "$gpu/cpu-fixtures" ] || { mkdir -p "$gpu/cpu-fixtures" && cp packages/native/test/fixtures/aoti-cpu-torch2.13/* "$gpu/cpu-fixtures/"; }
  ls "$gpu"/wheels/safetensors-*.whl >/dev/null 2>&1 ||
    .venv/bin/python -m pip download -q --no-deps -d "$gpu/wheels" "safetensors>=0.4" --only-binary=:all: \
      --python-version 3.10 --platform manylinux2014_x86_64
  du -sh "$gpu"
}

# Node, Python paths and the output folder on the GPU machine.
device_setup() {
  out="${OUT:-/tmp/gpu-out}"
  mkdir -p "$out" /tmp/aotihub-node
  xz -d -c "$gpu/node.xz" >/tmp/aotihub-node/node && chmod +x /tmp/aotihub-node/node
  export PATH="/tmp/aotihub-node:$PATH"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$out/nvidia-smi.csv" 2>&1 || true
  if ! python3 -c "import safetensors" 2>/dev/null; then
    mkdir -p /tmp/aotihub-py && (cd /tmp/aotihub-py && python3 -m zipfile -e "$gpu"/wheels/safetensors-*.whl .)
    export PYTHONPATH="/tmp/aotihub-py${PYTHONPATH:+:$PYTHONPATH}"
  fi
  export PYTHONPATH="$root/python/aotihub_export/src${PYTHONPATH:+:$PYTHONPATH}"
  models=/tmp/aotihub-gpu-models
  export=(python3 -m aotihub_export)
}

# Everything: the native suite, loadCompiled (issue 5) and several GPUs (issue 6). Red when a
# compile fails, when eager references cannot be computed, or when any script did not run every
# check it planned; each script prints "N of M planned checks ran, K passed".
device() {
  device_setup
  local started=$SECONDS status=0
  log "compiling the test models for CUDA (two processes in parallel)"
  # The DiT with its GPU profiles (bf16 and fp8 where the GPU has them): the native suite runs its
  # bf16 builds, the loadCompiled and multi-GPU scripts use both.
  "${export[@]}" --device cuda --out-root "$models" --io \
    --spec test/models/tiny_dit.py >"$out/compile-dit.log" 2>&1 &
  local dit=$!
  "${export[@]}" --device cuda --out-root "$models" --io \
    --spec test/models/tiny_mlp.py --spec test/models/small_conv.py --spec test/models/multi_io.py \
    --spec test/models/bf16_mlp.py --spec test/models/per_bucket_constant.py >"$out/compile-small.log" 2>&1 ||
    { log "FAIL compile of the small models (see compile-small.log)"; status=1; }
  wait "$dit" || { log "FAIL DiT compile (see compile-dit.log)"; status=1; }
  echo "compile_s $((SECONDS - started))" >>"$out/compile-small.log"
  # Eager outputs computed apart from the export helper (test/support/eager_reference.py), the
  # reference every compiled model is judged against. A model that did not compile is left out
  # here and reported by the suite as a failed check.
  local refs=/tmp/aotihub-gpu-eager pairs=() spec name
  for spec in tiny_mlp small_conv multi_io bf16_mlp per_bucket_constant tiny_dit; do
    name="${spec//_/-}"
    [ -f "$models/$name/aotihub.json" ] && pairs+=("test/models/$spec.py" "$models/$name")
  done
  rm -rf "$refs"
  python3 test/support/eager_reference.py --device cuda "$refs" "${pairs[@]}" >"$out/eager-reference.log" 2>&1 ||
    { log "FAIL eager references (see eager-reference.log)"; status=1; }
  log "running the suite"
  node "$gpu/lib/gpu-main.mjs" "$models" "$gpu/fixtures" /tmp/aotihub-so "$out/gpu-results.json" "$gpu/cpu-fixtures" "$refs" 2>&1 | tee "$out/suite.log" || status=1
  log "loadCompiled on the GPU (issue 5)"
  node "$gpu/lib/load-compiled-gpu.mjs" "$models/tiny-dit" "$out/load-compiled-gpu.json" "$refs" 2>&1 | tee -a "$out/suite.log" || status=1
  log "device-resident tensors (issue 14 goal 4, issue 10 device inputs)"
  node "$gpu/lib/device-tensors-gpu.mjs" "$models" /tmp/aotihub-so "$out/device-tensors.json" tiny-dit 2>&1 | tee -a "$out/suite.log" || status=1
  log "several GPUs in one process (issue 6)"
  node "$gpu/lib/multi-gpu.mjs" "$models/tiny-dit" "$out/multi-gpu.json" "$refs" 2>&1 | tee -a "$out/suite.log" || status=1
  grep -h "planned checks ran" "$out/suite.log" >&2 || true
  [ "$status" = 0 ] && log "GPU run green" || log "GPU run RED"
  return "$status"
}

# Only several GPUs in one process (issue 6), on the DiT's bf16 builds: a shorter run.
device_multi() {
  device_setup
  "${export[@]}" --device cuda --out-root "$models" --io --profile bf16 --spec test/models/tiny_dit.py \
    >"$out/compile-dit.log" 2>&1 || { log "DiT compile failed (see compile-dit.log)"; return 1; }
  node "$gpu/lib/multi-gpu.mjs" "$models/tiny-dit" "$out/multi-gpu.json" 2>&1 | tee "$out/suite.log"
}

# Only the standalone runtime (issue 13): the small models exported with runtime="standalone" for
# CUDA, run by Node on the addon's own shim and the CUDA runtime wheel's libcudart, never libtorch.
device_standalone() {
  device_setup
  local started=$SECONDS
  "${export[@]}" --device cuda --out-root "$models" --io \
    --spec test/models/standalone_mlp.py --spec test/models/standalone_bf16.py >"$out/compile-standalone.log" 2>&1 ||
    { log "FAIL standalone compile (see compile-standalone.log)"; tail -20 "$out/compile-standalone.log" >&2; return 1; }
  log "standalone compile took $((SECONDS - started)) s"
  # The CUDA runtime torch's wheel depends on (nvidia-cuda-runtime), as a torch-free service installs it.
  local cudart
  cudart="$(python3 - <<'PY'
import glob, importlib.util, os
spec = importlib.util.find_spec("nvidia")
roots = list(spec.submodule_search_locations) if spec else []
hits = [p for r in roots for p in glob.glob(os.path.join(r, "**", "libcudart.so.1*"), recursive=True)]
print(sorted(hits)[-1] if hits else "-")
PY
)"
  log "libcudart: $cudart"
  env -u LD_LIBRARY_PATH node "$gpu/lib/standalone-gpu.mjs" "$out/standalone-gpu.json" /tmp/aotihub-so "$cudart" \
    "$models/standalone-mlp:b2:1e-5" "$models/standalone-bf16:b2:1e-2" 2>&1 | tee "$out/suite.log"
}

case "${1:-}" in
  pack) pack ;;
  device) device ;;
  device-multi) device_multi ;;
  device-standalone) device_standalone ;;
  *) echo "usage: $0 pack|device|device-multi|device-standalone" >&2; exit 2 ;;
esac

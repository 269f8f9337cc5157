#!/usr/bin/env bash
# The short regression run of the fp8 and conv standalone models on the GPU (<= ~140 s in all),
# from the repository root after `bash bench/gpu/standalone/fp8-conv-pack.sh .gpu/fp8` here:
#   bash .gpu/fp8/run.sh .gpu/fp8 <outdir>
# Compiles the tiny and 53M fp8 DiTs and the two conv models in parallel with GEMM autotuning
# capped (quick_autotune_export.py; at most FP8_COMPILE_WAIT=100 s), then device.sh: symbols
# against the addon, each model against eager with no libtorch mapped, the CUDA shim probe.
set -uo pipefail
pack="$(cd "$1" && pwd)"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
export FP8_MODELS="${FP8_MODELS:-fp8-tiny fp8-53m conv-small conv-decoder}"
export FP8_MAX_MM_CONFIGS="${FP8_MAX_MM_CONFIGS:-4}"
FP8_COMPILE_WAIT="${FP8_COMPILE_WAIT:-100}" bash "$pack/compile.sh" "$out" 2>&1 | tee "$out/compile.log"
FP8_WAIT="${FP8_WAIT:-6}" bash "$pack/device.sh" "$pack" "$out" 2>&1 | tee "$out/device.log"

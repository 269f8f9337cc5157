#!/usr/bin/env bash
# GPU slot, first step (in parallel with other lanes' compiles), from the repository root:
#   bash <pack>/compile.sh <outdir>
# Compiles, standalone for CUDA (runtime="standalone"), the models issue 13 still lacked on a GPU:
# the DiT in fp8 (float8_e4m3fn weights, torch._scaled_mm; the tiny and the 53M) and two conv
# models (small-conv fp32, a VAE-decoder-like bf16 block). One process per model, so one refused
# build does not take the others with it (a refused package's .pt2 stays in .staging, where
# symbols.py still reads it). Each job leaves /tmp/fp8-models/<job>.rc ("<exit code> <seconds>"),
# its log in <outdir>/compile-logs/. Waits up to FP8_COMPILE_WAIT s (default 190); a job still
# compiling then goes on at nice 19 until device.sh, which waits a little for it and ends it when done.
set -uo pipefail
pack="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
models=/tmp/fp8-models
rm -rf "$models"  # a warm machine may still hold an earlier run's builds
mkdir -p "$out/compile-logs" "$models"
# This branch's export helper first (the device's tree holds main's).
export PYTHONPATH="$pack/py:$pack/specs${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
# FP8_MAX_MM_CONFIGS=N: a short regression run with GEMM autotuning capped at N configs per template
# (quick_autotune_export.py says why); unset: the export CLI as users run it.
exporter="python3 -m aotihub_export"
[ -n "${FP8_MAX_MM_CONFIGS:-}" ] && exporter="python3 $pack/specs/quick_autotune_export.py"
jobs_started=()
job() { # name, then the export arguments
  local name="$1"
  shift
  jobs_started+=("$name")
  setsid nohup nice -n "${FP8_NICE:-5}" bash -c 'start=$SECONDS; '"$exporter"' --device cuda --out-root '"$models"' --io "$@" \
    >'"$out/compile-logs/$name"'.log 2>&1; rc=$?; echo "$rc $((SECONDS - start))" >'"$models/$name"'.rc' _ "$@" \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$models/$name.pid"  # setsid: the job's process group, which device.sh ends if still running
}
specs="$pack/specs"
# FP8_MODELS picks the jobs (default: all four; a short run: "fp8-tiny conv-small conv-decoder").
wanted=" ${FP8_MODELS:-fp8-tiny fp8-53m conv-small conv-decoder} "
want() { [[ "$wanted" == *" $1 "* ]]; }
want fp8-tiny && job fp8-tiny --profile fp8 --spec "$specs/dit_tiny_cuda.py"
want fp8-53m && job fp8-53m --profile fp8 --spec "$specs/dit_53m.py"
want conv-small && job conv-small --spec "$specs/standalone_conv.py"
want conv-decoder && job conv-decoder --spec "$specs/conv_decoder.py"
want fp8-flux && job fp8-flux --spec "$specs/flux_like_fp8_standalone.py"  # optional: not in the default
start=$SECONDS
while [ $((SECONDS - start)) -lt "${FP8_COMPILE_WAIT:-190}" ]; do
  done_all=1
  for name in "${jobs_started[@]}"; do [ -f "$models/$name.rc" ] || done_all=0; done
  [ "$done_all" = 1 ] && break
  sleep 2
done
for name in "${jobs_started[@]}"; do
  if [ -f "$models/$name.rc" ]; then
    echo "$name: $(cat "$models/$name.rc")"
  else
    echo "$name: still compiling after $((SECONDS - start)) s (left running at nice 19)"
    renice -n 19 -g "$(cat "$models/$name.pid")" >/dev/null 2>&1
  fi
  grep -hE "compiled in|AOTIHUB_|Error" "$out/compile-logs/$name.log" 2>/dev/null | tail -3 | cut -c1-300
done

#!/usr/bin/env bash
# Builds the C ABI anchor against a pip torch: bash bench/anchor/build.sh <python> <out-binary>
set -euo pipefail
python="$1"
out="$2"
lib="$("$python" -I -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
cuda_libs=()
[ -f "$lib/libtorch_cuda.so" ] && cuda_libs=(-ltorch_cuda)
g++ -O2 -std=c++17 "$(dirname "$0")/aoti-abi-loop.cc" -o "$out" -L"$lib" -Wl,--no-as-needed -ltorch_cpu -ltorch \
  "${cuda_libs[@]}" -lc10 -Wl,-rpath,"$lib" -ldl

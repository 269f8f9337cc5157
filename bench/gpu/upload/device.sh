#!/usr/bin/env bash
# On the GPU machine, from the repository root, node on PATH, <pack> made by pack.sh:
#   bash <pack>/device.sh <pack> <outdir> [<seconds>]
# runs the upload benchmark (writes ~13 GiB of random bytes under /tmp/upload-scratch first).
set -uo pipefail
pack="$(cd "$1" && pwd)"
out="$2"
budget="${3:-90}"
mkdir -p "$out" /tmp/upload-scratch
nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.current,pcie.link.width.current \
  --format=csv,noheader >"$out/gpu.txt" 2>&1
python3 -c "import torch; print(torch.__version__)" >>"$out/gpu.txt" 2>&1
nproc >>"$out/gpu.txt"; free -g >>"$out/gpu.txt"; df -h /tmp >>"$out/gpu.txt"
cat "$out/gpu.txt"
AOTIHUB_UPLOAD_TRACE=1 UPLOAD_DEFAULT_ONLY="${UPLOAD_DEFAULT_ONLY:-0}" timeout "$budget" node "$pack/lib/upload.mjs" /tmp/upload-scratch "$out/upload.json" \
  "$((budget - 8))" 2>&1 | tee "$out/run.log"
echo "exit ${PIPESTATUS[0]}" | tee -a "$out/run.log"
rm -rf /tmp/upload-scratch

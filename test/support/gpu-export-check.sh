#!/usr/bin/env bash
# GPU machine: export the ~53M-param tiny DiT (bf16 + fp8, three buckets), compare eager fp8 with
# eager bf16, and check each package in Python against its eager outputs. Writes results to $OUT.
export PYTHONPATH=python/aotihub_export/src
nvidia-smi --query-gpu=name,compute_cap --format=csv,noheader
python3 -c "import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_capability())"
time python3 -m aotihub_export --spec python/aotihub_export/src/aotihub_export/examples/tiny_dit.py --device cuda --out /tmp/dit --io 2>&1 | grep -v "Warn\|__new__"
cp /tmp/dit/aotihub.json $OUT/ 2>/dev/null
ls -la /tmp/dit/weights/* /tmp/dit/aoti/*/* 2>&1 | head -20
python3 - <<'PY' 2>&1 | tail -5
import torch
from safetensors.torch import load_file
for b in ("256", "576", "1024"):
    ref = load_file(f"/tmp/dit/io/bf16/{b}.safetensors")["output.0"].double()
    q = load_file(f"/tmp/dit/io/fp8/{b}.safetensors")["output.0"].double()
    print("eager fp8 vs eager bf16", b, ((q - ref).norm() / ref.norm()).item())
w = load_file("/tmp/dit/weights/fp8/model.safetensors")
print({k: str(v.dtype) for k, v in list(w.items())[:6]}, len(w))
PY
timeout 300 python3 test/support/check_exported.py /tmp/dit > $OUT/check.json; echo "check rc=$?"
head -c 3000 $OUT/check.json

"""Eager PyTorch on the same block and inputs (the anchor for docs/benchmarks.md)."""

import json
import sys
import time

import torch
from safetensors.torch import load_file

sys.path.insert(0, sys.argv[1])
import attn_model  # noqa: E402

repo, out = sys.argv[2], sys.argv[3]
module = attn_model.Block().cuda().to(torch.bfloat16).eval()
module.load_state_dict({k: v for k, v in load_file(f"{repo}/weights/bf16/model.safetensors").items()}, strict=True)
figures = {}
with torch.no_grad():
    for bucket in ("s256", "s1024"):
        x = load_file(f"{repo}/io/{bucket}.safetensors")["input.x"].cuda()
        module(x)
        torch.cuda.synchronize()
        times = []
        for _ in range(100):
            start = time.perf_counter()
            module(x)
            torch.cuda.synchronize()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        figures[bucket] = {"eagerMedianMs": times[50]}
figures["torch"] = torch.__version__
figures["gpu"] = torch.cuda.get_device_name()
json.dump(figures, open(out, "w"), indent=2)
print(json.dumps(figures))

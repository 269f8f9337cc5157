"""Install size, measured on the GPU machine: what a standalone service needs (the addon and
libcudart) against what the libtorch runtime needs (torch's lib/ and the nvidia-* CUDA wheels)."""

import json
import os
import sys


def tree_bytes(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(os.path.realpath(path))
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(folder, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total


addon, cudart = sys.argv[1], sys.argv[2]
result: dict[str, object] = {"addonBytes": tree_bytes(addon), "cudartBytes": tree_bytes(cudart) if cudart != "-" else None}
import torch  # noqa: E402  (after the standalone side: only its path is read)

torch_lib = os.path.join(os.path.dirname(torch.__file__), "lib")
result["torchVersion"] = torch.__version__
result["torchLibBytes"] = tree_bytes(torch_lib)
result["torchPackageBytes"] = tree_bytes(os.path.dirname(torch.__file__))
nvidia = {}
import importlib.util  # noqa: E402

spec = importlib.util.find_spec("nvidia")
for root in list(spec.submodule_search_locations) if spec else []:
    for name in sorted(os.listdir(root)):
        if os.path.isdir(os.path.join(root, name)):
            nvidia[name] = tree_bytes(os.path.join(root, name))
result["nvidiaWheelsBytes"] = nvidia
result["nvidiaWheelsTotalBytes"] = sum(nvidia.values())
try:
    import triton  # noqa: F401

    result["tritonPackageBytes"] = tree_bytes(os.path.dirname(triton.__file__))
except ImportError:
    pass
print(json.dumps(result, indent=1))

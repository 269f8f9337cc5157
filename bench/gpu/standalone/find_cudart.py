"""The libcudart of the nvidia-cuda-runtime wheel torch depends on, as a torch-free service installs it."""

import glob
import importlib.util
import os

spec = importlib.util.find_spec("nvidia")
roots = list(spec.submodule_search_locations) if spec else []
hits = [p for r in roots for p in glob.glob(os.path.join(r, "**", "libcudart.so.1*"), recursive=True)]
print(sorted(hits)[-1] if hits else "-")

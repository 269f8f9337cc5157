"""Eager outputs of the checked-in fixtures' Tiny model, computed here with this machine's torch.

argv[1]: a fixture folder (tiny.safetensors), then io files holding `x`. Prints one JSON object:
io file -> base64 of the float32 `y` bytes. The io files' own `y` was computed on the machine that
compiled the fixtures; CPU kernels round differently between CPUs (oneDNN picks its kernels by
ISA), so the runtime is judged against eager on the same CPU.
"""

import base64
import json
import os
import sys

import torch
from safetensors.torch import load_file
from torch import nn

folder, io_files = sys.argv[1], sys.argv[2:]
state = load_file(os.path.join(folder, "tiny.safetensors"))
a, b = nn.Linear(8, 16), nn.Linear(16, 4)
a.load_state_dict({"weight": state["a.weight"], "bias": state["a.bias"]})
b.load_state_dict({"weight": state["b.weight"], "bias": state["b.bias"]})
result = {}
with torch.no_grad():
    for path in io_files:
        y = b(torch.relu(a(load_file(path)["x"])))
        result[path] = base64.b64encode(y.contiguous().numpy().tobytes()).decode()
print(json.dumps(result))

"""Eager outputs of the demo's tiny DiT for given inputs, computed apart from the demo.

argv[1]: the demo's exported repo folder (aotihub.json, weights/), argv[2]: a JSON file
{bucket: {input name: {"shape": [...], "data": [...]}}} (float32). Builds the example spec's
module (seeded, so its weights are the export's; the shipped weights are checked against it),
runs each bucket in plain eager PyTorch, and prints {bucket: [base64 of each float32 output]}.
"""

import base64
import json
import os
import sys

import torch

from eager_reference import check_shipped_weights

from aotihub_export.examples.tiny_dit import spec

repo, inputs_path = sys.argv[1], sys.argv[2]
with open(os.path.join(repo, "aotihub.json")) as f:
    manifest = json.load(f)
with open(inputs_path) as f:
    requested = json.load(f)
model = spec("cpu").module.eval().to(torch.float32)
check_shipped_weights(repo, manifest, "fp32", model.state_dict())
result = {}
with torch.no_grad():
    for bucket, inputs in requested.items():
        tensors = {
            name: torch.tensor(t["data"], dtype=torch.float32).reshape(t["shape"]) for name, t in inputs.items()
        }
        out = model(**tensors)
        outs = out if isinstance(out, (list, tuple)) else [out]
        result[bucket] = [base64.b64encode(o.contiguous().numpy().tobytes()).decode() for o in outs]
print(json.dumps(result))

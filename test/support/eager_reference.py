"""Eager PyTorch outputs for exported test models, computed by the tests, not by the export helper.

argv: [--device cuda] out_dir, then pairs of (spec file, exported repo folder). For each pair: builds the spec's
module (seeded, so its weights are the ones the export saw), checks that every weight the repo
ships under one of the module's own names (weights/<profile>/*.safetensors and override sets)
equals the module's tensor bit for bit, runs each bucket's inputs (io/<bucket>.safetensors,
`input.*`) through the module in plain eager mode, and writes
`<out_dir>/<repo name>/<bucket>.safetensors` holding `output.<i>`. A bug in the helper's own
reference path (io `output.*`) cannot hide here: only the module definition and the inputs are
shared with it. (Inductor may fold tiny constants into the .so, so not every module tensor ships.)
"""

import importlib.util
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from torch.utils import _pytree as pytree

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def load_module(spec_path, device):
    name = "eager_reference_" + os.path.splitext(os.path.basename(spec_path))[0]
    # Spec files may import their neighbours (dynamic_mlp reuses tiny_mlp's module).
    folder = os.path.dirname(os.path.abspath(spec_path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    loader = importlib.util.spec_from_file_location(name, spec_path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    spec = module.spec(device) if hasattr(module, "spec") else module.specs(device)[0]
    return spec.module


def check_shipped_weights(repo, manifest, profile, own):
    sets = [manifest["profiles"][profile]["weights"]]
    sets += [a["weightsOverride"] for a in manifest["artifacts"] if a["profile"] == profile and a.get("weightsOverride")]
    matched = 0
    for name in sets:
        for rel in manifest["weights"][name]["files"]:
            for key, tensor in load_file(os.path.join(repo, rel)).items():
                if key not in own:
                    continue  # a lifted constant (e.g. _tensor_constant0), not a module tensor
                if own[key].dtype != tensor.dtype or not torch.equal(own[key], tensor):
                    raise SystemExit(f"{repo}/{rel}: {key} differs from the module's own tensor")
                matched += 1
    if matched == 0 and own:
        raise SystemExit(f"{repo}: ships none of the module's tensors {sorted(own)}")


def reference_profile(manifest):
    """The profile eager is computed for: bf16 or fp32 (fp8 is judged against bf16 eager)."""
    profiles = sorted({a["profile"] for a in manifest["artifacts"]})
    return next((p for p in ("bf16", "fp32") if p in profiles), profiles[0]), len(profiles) > 1


def reference(spec_path, repo, out_dir, device):
    with open(os.path.join(repo, "aotihub.json")) as f:
        manifest = json.load(f)
    profile, several = reference_profile(manifest)
    model = load_module(spec_path, device).eval().to(device=device, dtype=DTYPES[profile])
    check_shipped_weights(repo, manifest, profile, {k: v.cpu() for k, v in model.state_dict().items()})
    target = os.path.join(out_dir, os.path.basename(repo))
    os.makedirs(target, exist_ok=True)
    for artifact in manifest["artifacts"]:
        if artifact["profile"] != profile:
            continue
        bucket = artifact["bucket"]["name"]
        io = load_file(os.path.join(repo, "io", *([profile] if several else []), f"{bucket}.safetensors"))
        inputs = {k[len("input.") :]: v.to(device) for k, v in io.items() if k.startswith("input.")}
        with torch.no_grad():
            outputs = [t for t in pytree.tree_leaves(model(**inputs)) if isinstance(t, torch.Tensor)]
        save_file(
            {f"output.{i}": t.cpu().contiguous() for i, t in enumerate(outputs)},
            os.path.join(target, f"{bucket}.safetensors"),
        )


def main(args):
    device = "cpu"
    if args[:1] == ["--device"]:
        device, args = args[1], args[2:]
    out_dir, pairs = args[0], args[1:]
    for i in range(0, len(pairs), 2):
        reference(pairs[i], pairs[i + 1], out_dir, device)
    print(json.dumps({"ok": True}))


if __name__ == "__main__":
    main(sys.argv[1:])

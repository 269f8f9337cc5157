"""Python-side proof for exported repo folders: for every artifact, load the `.pt2` with
torch._inductor.aoti_load_package, bind the constants from the repo's safetensors with
load_constants(..., user_managed=True), run the io inputs and compare with the eager outputs.

Usage: python check_exported.py <repo dir>...   -> JSON report on stdout.
"""

import json
import os
import sys

import torch
from safetensors.torch import load_file


def weight_set(repo: str, manifest: dict, name: str) -> dict[str, torch.Tensor]:
    tensors: dict[str, torch.Tensor] = {}
    for rel in manifest["weights"][name]["files"]:
        tensors.update(load_file(os.path.join(repo, rel)))
    return tensors


def compare(actual: torch.Tensor, expected: torch.Tensor) -> dict:
    same_meta = actual.dtype == expected.dtype and tuple(actual.shape) == tuple(expected.shape)
    if not same_meta:
        return {"sameMeta": False, "bitIdentical": False, "relError": None, "maxAbs": None}
    a, e = actual.double(), expected.double()
    norm = e.norm().item()
    return {
        "sameMeta": True,
        "bitIdentical": bool(torch.equal(actual, expected)),
        "relError": (a - e).norm().item() / norm if norm > 0 else (a - e).norm().item(),
        "maxAbs": (a - e).abs().max().item() if a.numel() else 0.0,
    }


def check_artifact(repo: str, manifest: dict, artifact: dict, io_path: str) -> dict:
    profile = manifest["profiles"][artifact["profile"]]
    constants = weight_set(repo, manifest, profile["weights"])
    override = artifact.get("weightsOverride")
    if override is not None:
        constants.update(weight_set(repo, manifest, override))
    compiled = torch._inductor.aoti_load_package(os.path.join(repo, artifact["path"]))
    needed = compiled.get_constant_fqns()
    missing = sorted(set(needed) - set(constants))
    report = {"path": artifact["path"], "needed": sorted(needed), "missing": missing, "outputs": []}
    if missing:
        return report
    compiled.load_constants({k: constants[k] for k in needed}, check_full_update=True, user_managed=True)
    io = load_file(io_path)
    inputs = [io[f"input.{name}"] for name in artifact["bucket"]["inputs"]]
    with torch.no_grad():
        outputs = compiled(*inputs)
    flat = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    expected = [io[f"output.{i}"] for i in range(sum(1 for k in io if k.startswith("output.")))]
    report["outputCount"] = [len(flat), len(expected)]
    report["outputs"] = [compare(a, e) for a, e in zip(flat, expected)]
    return report


def main() -> None:
    result = {}
    for repo in sys.argv[1:]:
        with open(os.path.join(repo, "aotihub.json")) as f:
            manifest = json.load(f)
        single = len(manifest["profiles"]) == 1
        reports = []
        for artifact in manifest["artifacts"]:
            bucket = artifact["bucket"]["name"]
            io_rel = f"io/{bucket}.safetensors" if single else f"io/{artifact['profile']}/{bucket}.safetensors"
            reports.append(check_artifact(repo, manifest, artifact, os.path.join(repo, io_rel)))
        result[os.path.basename(repo)] = reports
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()

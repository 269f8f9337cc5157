"""`io/<bucket>.safetensors`: a bucket's example inputs and the eager outputs, so any runtime
can check a compiled package against PyTorch without running Python."""

from __future__ import annotations

import os

import torch
from safetensors.torch import save_file
from torch.utils import _pytree as pytree


def flatten_outputs(outputs: object) -> list[torch.Tensor]:
    leaves = pytree.tree_leaves(outputs)
    return [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]


def write_io(path: str, inputs: dict[str, torch.Tensor], outputs: list[torch.Tensor]) -> None:
    tensors = {f"input.{name}": t.detach().cpu().contiguous().clone() for name, t in inputs.items()}
    tensors.update({f"output.{i}": t.detach().cpu().contiguous().clone() for i, t in enumerate(outputs)})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(tensors, path, metadata={"format": "aotihub-io/1"})

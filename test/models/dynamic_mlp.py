"""The tiny MLP with a dynamic batch: one bucket whose dim 0 takes any size from 1 to 16
(the manifest writes it as [1, 16])."""

import torch

from aotihub_export import ExportSpec

from tiny_mlp import Tiny


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    model = Tiny()
    generator = torch.Generator().manual_seed(7)
    buckets = {"batch": {"x": torch.randn(3, 8, generator=generator)}}
    return ExportSpec(
        name="dynamic-mlp", module=model, buckets=buckets, dynamic={"x": {0: (1, 16)}}
    )

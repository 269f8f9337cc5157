"""A bf16 model: the tiny MLP shape, exported with the bf16 profile (weights and input bf16)."""

import torch
from torch import nn

from aotihub_export import ExportSpec


class Bf16Mlp(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.up = nn.Linear(16, 32)
        self.down = nn.Linear(32, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(torch.nn.functional.gelu(self.up(x)))


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(5)
    buckets = {"b2": {"x": torch.randn(2, 16, generator=generator)}}
    return ExportSpec(name="bf16-mlp", module=Bf16Mlp().eval(), buckets=buckets, profiles=["bf16"])

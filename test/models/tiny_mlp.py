"""The architecture fixtures' Tiny model: batch buckets b2 and b4 sharing one weight set."""

import torch
from torch import nn

from aotihub_export import ExportSpec


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(8, 16)
        self.b = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.relu(self.a(x)))


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    model = Tiny()
    generator = torch.Generator().manual_seed(2)
    buckets = {f"b{n}": {"x": torch.randn(n, 8, generator=generator)} for n in (2, 4)}
    return ExportSpec(name="tiny-mlp", module=model, buckets=buckets)

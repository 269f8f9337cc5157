"""Buckets whose compiles produce a constant with one FQN but different values and shapes (a
tensor built in forward() from the static batch size): the export must keep them apart."""

import torch
from torch import nn

from aotihub_export import ExportSpec


class PerBucketConstant(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        # One weight per row, 1/n each: lifted as a constant whose shape and value follow n.
        row_weights = torch.tensor([[1.0 / n]] * n, device=x.device)
        return self.proj(x) * row_weights


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(6)
    buckets = {f"b{n}": {"x": torch.randn(n, 4, generator=generator)} for n in (2, 3)}
    return ExportSpec(name="per-bucket-constant", module=PerBucketConstant().eval(), buckets=buckets)

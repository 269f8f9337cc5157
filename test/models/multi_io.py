"""Several inputs (two floats and an int64 index tensor) and several outputs, plus constants that
are not in state_dict(): a plain tensor attribute and a tensor built inside forward()."""

import torch
from torch import nn

from aotihub_export import ExportSpec


class MultiIO(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(32, 8)
        self.mix = nn.Linear(16, 8)
        # A plain attribute, not a buffer: export lifts it as a constant.
        self.offset = torch.linspace(-1.0, 1.0, 8)

    def forward(self, a: torch.Tensor, b: torch.Tensor, ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
        tokens = self.embed(ids)
        mixed = self.mix(torch.cat([a, b], dim=-1)) + tokens
        # Lifted at export; built on the input's device so the same spec exports for CPU and CUDA.
        weights = torch.tensor([0.25, 0.5, 1.0, 2.0, 0.25, 0.5, 1.0, 2.0], device=a.device)
        offset = self.offset.to(a.device)  # a plain attribute is not moved by module.to(device)
        return mixed * offset, (a * weights).sum(dim=-1), torch.argmax(mixed, dim=-1)


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(4)
    buckets = {
        "b3": {
            "a": torch.randn(3, 8, generator=generator),
            "b": torch.randn(3, 8, generator=generator),
            "ids": torch.randint(0, 32, (3,), generator=generator),
        }
    }
    return ExportSpec(name="multi-io", module=MultiIO().eval(), buckets=buckets)

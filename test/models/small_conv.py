"""A small conv net: conv, batch norm (its running stats are buffers), pooling, a linear head."""

import torch
from torch import nn

from aotihub_export import ExportSpec


class SmallConv(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, stride=2, padding=1)
        self.head = nn.Linear(16, 10)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn(self.conv1(image)))
        x = torch.relu(self.conv2(x))
        return self.head(x.mean(dim=(2, 3)))


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    model = SmallConv()
    with torch.no_grad():  # non-trivial running stats, so the buffers matter
        model.bn.running_mean.uniform_(-0.5, 0.5)
        model.bn.running_var.uniform_(0.5, 1.5)
    model.eval()
    generator = torch.Generator().manual_seed(3)
    buckets = {"b1": {"image": torch.randn(1, 3, 16, 16, generator=generator)}}
    return ExportSpec(name="small-conv", module=model, buckets=buckets)

"""A model that calls the test kernel's op twice (once with its optional bias, once without),
exported with the kernel named in its manifest. AOTIHUB_TEST_KERNEL_BUILD is the build/<variant>
folder to import the kernel package from (as `kernels` would after download)."""

import importlib
import os
import sys

import torch
from torch import nn

from aotihub_export import ExportSpec

KERNEL_REPO = os.environ.get("AOTIHUB_TEST_KERNEL_REPO", "aotihub-test/mix")


def load_kernel():
    sys.path.insert(0, os.environ["AOTIHUB_TEST_KERNEL_BUILD"])
    return importlib.import_module("aotihub_mix")


class MixModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(16, 16)
        self.bias = nn.Parameter(torch.linspace(-1, 1, 16))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        # The kernel's function, as a kernels-community layer calls it; the module holds no reference
        # to the kernel package (modules are deep-copied per profile).
        h = MIX(x, w, None, 0.5, 3, True, (0, 1))
        return MIX(self.proj(h), h, self.bias, 0.25, 1)


MIX = load_kernel().mix


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    model = MixModel()
    generator = torch.Generator().manual_seed(3)
    buckets = {"b2": {"x": torch.randn(2, 16, generator=generator), "w": torch.randn(2, 16, generator=generator)}}
    return ExportSpec(name="mix-model", module=model, buckets=buckets, kernels=[{"repo": KERNEL_REPO, "version": 1}])

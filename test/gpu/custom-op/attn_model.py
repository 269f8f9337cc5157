"""A transformer-block-shaped model whose attention is the custom CUDA op (test/gpu/custom-op/
attn.cu), exported for CUDA with the kernel named in its manifest. AOTIHUB_GPU_KERNEL_LIB is the
built library; AOTIHUB_GPU_KERNEL_NS its op namespace."""

import os

import torch
from torch import nn

from aotihub_export import ExportSpec

torch.ops.load_library(os.environ["AOTIHUB_GPU_KERNEL_LIB"])
ATTENTION = getattr(torch.ops, os.environ["AOTIHUB_GPU_KERNEL_NS"]).attention


class Block(nn.Module):
    def __init__(self, dim: int = 256, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, s, d = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, s, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        h = ATTENTION(q.contiguous(), k.contiguous(), v.contiguous(), (d // self.heads) ** -0.5, False)
        x = x + self.out(h.transpose(1, 2).reshape(b, s, d))
        return x + self.mlp(x)


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(4)
    buckets = {f"s{n}": {"x": torch.randn(2, n, 256, generator=generator)} for n in (256, 1024)}
    return ExportSpec(
        name="attn-block",
        module=Block(),
        buckets=buckets,
        profiles=["bf16"],
        kernels=[{"repo": "aotihub-test/cuda-attention", "version": 1}],
    )

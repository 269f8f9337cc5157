"""A conv model at a real model's shapes, for the standalone runtime on CUDA: a VAE-decoder-like
block (FLUX's VAE decoder is built of these): a 16-channel 32x32 latent, 3x3 convolutions at 128
channels, GroupNorm + SiLU, a residual, a nearest 2x upsample, then 64 channels at 64x64 and an RGB
head. bf16, batch 1. Every 2D convolution is exported as unfold + matmul (a Triton GEMM), so no
aten convolution (a libtorch call) is left in the .so (docs/standalone-runtime.md)."""

import torch
from torch import nn

from aotihub_export import ExportSpec


class ResBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(32, channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(32, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return x + h


class ConvDecoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv_in = nn.Conv2d(16, 128, 3, padding=1)
        self.block = ResBlock(128)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv_up = nn.Conv2d(128, 64, 3, padding=1)
        self.block_up = ResBlock(64)
        self.norm_out = nn.GroupNorm(32, 64)
        self.conv_out = nn.Conv2d(64, 3, 3, padding=1)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        x = self.block(self.conv_in(latent))
        x = self.block_up(self.conv_up(self.up(x)))
        return self.conv_out(nn.functional.silu(self.norm_out(x)))


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    model = ConvDecoder().eval()
    generator = torch.Generator().manual_seed(5)
    buckets = {"32x32": {"latent": torch.randn(1, 16, 32, 32, generator=generator)}}
    return ExportSpec(name="standalone-conv-decoder", module=model, buckets=buckets, profiles=["bf16"], runtime="standalone")

"""The FLUX-like DiT of issue 14: the project's DiT class at FLUX width (3072, 24 heads, 3 blocks:
~0.5B parameters, ~1.08 GB of bf16 weights), buckets of 1024 and 4096 tokens (64x64 and 128x128
latents). Weights are the seeded random init: the cold-start and upload figures need the size, not
trained values. Shared by the GPU cold-start bench and the standalone runtime's GPU figures."""

import torch

from aotihub_export import ExportSpec
from aotihub_export.examples.tiny_dit import TinyDiT, TinyDiTConfig, resolution_buckets

FLUX_LIKE = TinyDiTConfig(width=3072, depth=3, heads=24, freq_dim=256)


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    model = TinyDiT(FLUX_LIKE).eval()
    return ExportSpec(
        name="flux-like",
        module=model,
        buckets=resolution_buckets([64, 128], FLUX_LIKE.in_channels, FLUX_LIKE.patch),
        profiles=["bf16"],
    )

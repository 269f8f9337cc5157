"""The FLUX-like DiT of issue 14, 1024-token bucket only (a compile that fits a short slot)."""

import torch

from aotihub_export import ExportSpec
from aotihub_export.examples.tiny_dit import TinyDiT, TinyDiTConfig, resolution_buckets

FLUX_LIKE = TinyDiTConfig(width=3072, depth=3, heads=24, freq_dim=256)


def spec(device: str) -> ExportSpec:
    torch.manual_seed(0)
    model = TinyDiT(FLUX_LIKE).eval()
    return ExportSpec(
        name="flux-like-1024",
        module=model,
        buckets=resolution_buckets([64], FLUX_LIKE.in_channels, FLUX_LIKE.patch),
        profiles=["bf16"],
    )

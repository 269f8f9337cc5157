"""The GPU DiT (gpu_config, ~53M parameters) compiled for CUDA with the standalone runtime, bf16 and
fp8, its 1024-token bucket: the middle DiT of the shim-symbol table (docs/standalone-runtime.md)."""

import torch

from aotihub_export import ExportSpec
from aotihub_export.examples.tiny_dit import TinyDiT, gpu_config, resolution_buckets


def spec(device: str) -> ExportSpec:
    config = gpu_config()
    torch.manual_seed(0)
    model = TinyDiT(config).eval()
    return ExportSpec(
        name="standalone-dit-53m",
        module=model,
        buckets=resolution_buckets([64], config.in_channels, config.patch),
        profiles=["bf16"],  # fp8: `--profile fp8` (its own process: compile.sh)
        runtime="standalone",
    )

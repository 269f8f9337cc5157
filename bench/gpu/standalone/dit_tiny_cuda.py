"""The tiny DiT at its CPU size (cpu_config, ~0.3M parameters) compiled for CUDA with the standalone
runtime, bf16 and fp8: the smallest DiT of the shim-symbol table (docs/standalone-runtime.md)."""

import torch

from aotihub_export import ExportSpec
from aotihub_export.examples.tiny_dit import TinyDiT, cpu_config, resolution_buckets


def spec(device: str) -> ExportSpec:
    config = cpu_config()
    torch.manual_seed(0)
    model = TinyDiT(config).eval()
    return ExportSpec(
        name="standalone-dit-tiny",
        module=model,
        buckets=resolution_buckets([16], config.in_channels, config.patch),
        profiles=["bf16"],  # fp8: `--profile fp8` (its own process: compile.sh)
        runtime="standalone",
    )

"""bf16-mlp compiled for the standalone runtime (bf16 weights and input; gelu calls Sleef's exp)."""

import dataclasses

from bf16_mlp import spec as libtorch_spec

from aotihub_export import ExportSpec


def spec(device: str) -> ExportSpec:
    return dataclasses.replace(libtorch_spec(device), name="standalone-bf16", runtime="standalone")

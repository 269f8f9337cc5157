"""tiny-mlp (same module, weights and inputs) compiled for the standalone runtime: no libtorch."""

import dataclasses

from tiny_mlp import spec as libtorch_spec

from aotihub_export import ExportSpec


def spec(device: str) -> ExportSpec:
    base = libtorch_spec(device)
    return dataclasses.replace(base, name="standalone-mlp", buckets={"b2": base.buckets["b2"]}, runtime="standalone")

"""The FLUX-like DiT (bench/gpu/flux_like.py: width 3072, 24 heads, 3 blocks) in fp8 for the
standalone runtime: float8_e4m3fn weights with per-tensor scales and torch._scaled_mm, as a FLUX fp8
checkpoint runs; its 1024-token bucket only. Optional in fp8-conv-compile.sh (FP8_MODELS=fp8-flux):
with full autotuning its compile does not fit a GPU slot (docs/standalone-runtime.md)."""

import dataclasses
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from flux_like import spec as flux_spec  # noqa: E402

from aotihub_export import ExportSpec  # noqa: E402


def spec(device: str) -> ExportSpec:
    base = flux_spec(device)
    return dataclasses.replace(
        base,
        name="flux-like-fp8-standalone",
        buckets={"1024": base.buckets["1024"]},
        profiles=["fp8"],
        runtime="standalone",
    )

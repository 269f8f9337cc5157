"""The FLUX-like DiT of issue 14 (bench/gpu/flux_like.py: width 3072, 24 heads, 3 blocks, ~1.08 GB
of bf16 weights), its 1024-token bucket only, built for the standalone runtime. One bucket: the
GPU slot's compile budget (200 s, shared with other compiles) holds one."""

import dataclasses
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from flux_like import spec as flux_spec  # noqa: E402

from aotihub_export import ExportSpec  # noqa: E402


def spec(device: str) -> ExportSpec:
    base = flux_spec(device)
    return dataclasses.replace(
        base, name="flux-like-standalone", buckets={"1024": base.buckets["1024"]}, runtime="standalone"
    )

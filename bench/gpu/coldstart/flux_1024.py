"""The FLUX-like DiT of issue 14 (bench/gpu/flux_like.py), 1024-token bucket only (a compile that
fits a short slot): the same module, seed and weights."""

import dataclasses
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from flux_like import spec as flux_spec  # noqa: E402

from aotihub_export import ExportSpec  # noqa: E402


def spec(device: str) -> ExportSpec:
    base = flux_spec(device)
    return dataclasses.replace(base, name="flux-like-1024", buckets={"1024": base.buckets["1024"]})

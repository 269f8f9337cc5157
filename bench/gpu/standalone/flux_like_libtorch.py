"""The libtorch build of the same FLUX-like model and bucket as flux_like_standalone.py (same seed,
so the same weight values): the anchor of the standalone figures, compiled in its own process in
parallel with the standalone build."""

import dataclasses
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from flux_like import spec as flux_spec  # noqa: E402

from aotihub_export import ExportSpec  # noqa: E402


def spec(device: str) -> ExportSpec:
    base = flux_spec(device)
    return dataclasses.replace(base, name="flux-like-libtorch", buckets={"1024": base.buckets["1024"]})

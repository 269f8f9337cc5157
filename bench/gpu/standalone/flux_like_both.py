"""The FLUX-like DiT of issue 14 (bench/gpu/flux_like.py: width 3072, 24 heads, 3 blocks, ~1.08 GB
of bf16 weights) built for both runtimes into one repo, one bucket (1024 tokens): the libtorch build
and the standalone one share one weight set, so the side-by-side figures compare like with like.
One bucket only: each bucket's Triton GEMM autotuning at width 3072 costs minutes of compile."""

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
        name="flux-like-both",
        buckets={"1024": base.buckets["1024"]},
        runtime=["libtorch", "standalone"],
    )

"""The tiny DiT compiled for the standalone runtime at two sizes (16 and 64 tokens): attention as
math, the patch-embedding convolution as unfold + matmul, every GEMM generated C++."""

import dataclasses

from aotihub_export import ExportSpec
from aotihub_export.examples.tiny_dit import spec as libtorch_spec


def spec(device: str) -> ExportSpec:
    return dataclasses.replace(libtorch_spec(device), name="standalone-dit", runtime="standalone")

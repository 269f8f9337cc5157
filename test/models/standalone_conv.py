"""small-conv compiled for the standalone runtime: its 2D convolutions become unfold + matmul."""

import dataclasses

from small_conv import spec as libtorch_spec

from aotihub_export import ExportSpec


def spec(device: str) -> ExportSpec:
    return dataclasses.replace(libtorch_spec(device), name="standalone-conv", runtime="standalone")

"""multi-io compiled for the standalone runtime: an int64 input, three outputs, lifted constants."""

import dataclasses

from multi_io import spec as libtorch_spec

from aotihub_export import ExportSpec


def spec(device: str) -> ExportSpec:
    return dataclasses.replace(libtorch_spec(device), name="standalone-multi-io", runtime="standalone")

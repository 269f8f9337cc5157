"""tiny-mlp (same module, weights and inputs; bucket b2) built for both runtimes into one repo: the
libtorch build and the standalone one share one weight set, as a publisher would ship them."""

import dataclasses

from tiny_mlp import spec as libtorch_spec

from aotihub_export import ExportSpec


def spec(device: str) -> ExportSpec:
    base = libtorch_spec(device)
    return dataclasses.replace(
        base, name="both-runtimes-mlp", buckets={"b2": base.buckets["b2"]}, runtime=["libtorch", "standalone"]
    )

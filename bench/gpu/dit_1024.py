"""The GPU DiT (`gpu_config()`, ~53M parameters, bf16) with only its 1024-token bucket: the model of
the per-call benchmark (bench/gpu/per-call.bench.ts), one variant so the GPU machine compiles it once."""

import dataclasses

from aotihub_export.examples.tiny_dit import spec as full_spec


def spec(device: str):
    s = full_spec(device)
    buckets = {name: inputs for name, inputs in s.buckets.items() if name == "1024"}
    return dataclasses.replace(s, name="dit-1024", buckets=buckets, profiles=["bf16"])

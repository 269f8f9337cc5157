"""The `aotihub.json` document (manifest v1, docs/hub-convention.md), built in a fixed order so
the same export always writes the same bytes."""

from __future__ import annotations

import torch

from .profiles import FP8_REQUIREMENT
from .spec import Dynamic


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def bucket_dims(name: str, tensor: torch.Tensor, dynamic: Dynamic | None) -> list[object]:
    ranges = (dynamic or {}).get(name, {})
    return [list(ranges[i]) if i in ranges else int(size) for i, size in enumerate(tensor.shape)]


def artifact_entry(
    *,
    path: str,
    sha256: str,
    size: int,
    profile: str,
    bucket: str,
    inputs: dict[str, torch.Tensor],
    dynamic: Dynamic | None,
    target: dict[str, object],
    weights_override: str | None,
    kernels: list[dict[str, object]] | None = None,
    constants: dict[str, torch.Tensor] | None = None,
    runtime: str = "libtorch",
) -> dict[str, object]:
    entry: dict[str, object] = {
        "path": path,
        "sha256": sha256,
        "size": size,
        "profile": profile,
        "bucket": {
            "name": bucket,
            "inputs": {n: bucket_dims(n, t, dynamic) for n, t in inputs.items()},
            "dtypes": {n: dtype_name(t.dtype) for n, t in inputs.items()},
        },
        "target": target,
        "kernels": [dict(k) for k in kernels or []],
    }
    if runtime != "libtorch":
        # Absent means "libtorch"; a standalone artifact runs on aotihub's own shim, without torch.
        entry["runtime"] = runtime
    if weights_override is not None:
        # Constants of this bucket that differ from the profile's shared set (same FQN, other
        # value/shape/dtype): bind these over the shared ones for this artifact only.
        entry["weightsOverride"] = weights_override
    if constants:
        # The shape of each constant as compiled: a weight of the same byte size but another shape
        # (a transposed matrix) would bind silently and give wrong results; loaders refuse it.
        entry["constants"] = {fqn: [int(d) for d in t.shape] for fqn, t in sorted(constants.items())}
    return entry


def manifest_document(
    name: str,
    weights: dict[str, dict[str, list[str]]],
    profiles: list[str],
    artifacts: list[dict[str, object]],
) -> dict[str, object]:
    profile_entries: dict[str, object] = {}
    for profile in profiles:
        entry: dict[str, object] = {"weights": profile}
        if profile == "fp8":
            entry["requires"] = {"computeCapability": FP8_REQUIREMENT}
        profile_entries[profile] = entry
    return {
        "format": "aotihub/1",
        "name": name,
        "weights": dict(sorted(weights.items())),
        "profiles": profile_entries,
        "artifacts": sorted(artifacts, key=lambda a: str(a["path"])),
    }

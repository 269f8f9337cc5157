"""Split the constants of every bucket into one shared weight set plus per-bucket overrides.

Buckets of one model usually need identical constants, so they are stored once. A constant with
the same original FQN can still differ between buckets (a lifted `torch.tensor(...)` built from a
static shape, say); sharing it would silently feed one bucket the other's value, so each constant
is compared by dtype, shape and bytes, and a bucket whose value differs gets its own override set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .errors import ExportError


@dataclass
class WeightPlan:
    # Original FQN -> tensor, the value from the first bucket (in bucket order) that needs it.
    shared: dict[str, torch.Tensor] = field(default_factory=dict)
    # Bucket name -> {FQN -> tensor} for the constants of that bucket that differ from `shared`.
    overrides: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)


def same_constant(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.dtype != b.dtype or tuple(a.shape) != tuple(b.shape):
        return False
    # Bytes, not values: NaN payloads and -0.0 must survive the sharing decision too.
    return torch.equal(byte_view(a), byte_view(b))


def byte_view(t: torch.Tensor) -> torch.Tensor:
    return t.detach().cpu().contiguous().reshape(-1).view(torch.uint8)


def plan_weight_sets(per_bucket: dict[str, dict[str, torch.Tensor]]) -> WeightPlan:
    plan = WeightPlan()
    for bucket, constants in per_bucket.items():
        for fqn in sorted(constants):
            tensor = storable(fqn, constants[fqn])
            shared = plan.shared.get(fqn)
            if shared is None:
                plan.shared[fqn] = tensor
            elif not same_constant(shared, tensor):
                plan.overrides.setdefault(bucket, {})[fqn] = tensor
    return plan


def storable(fqn: str, tensor: torch.Tensor) -> torch.Tensor:
    if tensor.layout != torch.strided or tensor.is_mkldnn:
        raise ExportError(
            "AOTIHUB_EXPORT_CONSTANT",
            f"constant {fqn!r} is not a plain strided tensor",
            expected="strided constants that safetensors can hold",
            received=f"layout {tensor.layout}",
            hint="compile without freezing / weight prepacking (the default for this helper)",
        )
    if not tensor.is_contiguous():
        # The generated code indexes a constant with the strides it was compiled for; a
        # contiguous copy in safetensors would be read with the wrong strides.
        raise ExportError(
            "AOTIHUB_EXPORT_CONSTANT",
            f"constant {fqn!r} is not contiguous",
            expected="contiguous constants (safetensors stores row-major data only)",
            received=f"shape {tuple(tensor.shape)} stride {tensor.stride()}",
            hint="make the parameter contiguous in the module before exporting",
        )
    # A private copy: safetensors refuses tensors that share storage.
    return tensor.detach().cpu().clone()

"""Precision profiles: how a module and its example inputs are prepared before export."""

from __future__ import annotations

import copy

import torch
from torch import nn

from .errors import ExportError
from .fp8 import quantize_fp8

PROFILES = ("fp32", "bf16", "fp8")
# What the manifest says an fp8 artifact needs; the registry enforces it at load time.
FP8_REQUIREMENT = ">=8.9"


def compute_dtype(profile: str) -> torch.dtype:
    return torch.float32 if profile == "fp32" else torch.bfloat16


def check_profile(profile: str, device: str) -> None:
    if profile not in PROFILES:
        raise ExportError(
            "AOTIHUB_EXPORT_PROFILE",
            f"unknown profile {profile!r}",
            expected=" | ".join(PROFILES),
            received=repr(profile),
        )
    if profile != "fp8":
        return
    if device != "cuda":
        raise ExportError(
            "AOTIHUB_EXPORT_PROFILE",
            "the fp8 profile compiles for CUDA only",
            expected='device="cuda"',
            received=f"device={device!r}",
            hint="export fp8 on a GPU with compute capability 8.9 or newer; use fp32 or bf16 on CPU",
        )
    major, minor = torch.cuda.get_device_capability()
    if (major, minor) < (8, 9):
        raise ExportError(
            "AOTIHUB_EXPORT_PROFILE",
            "this GPU cannot run fp8 matmuls",
            expected=f"compute capability {FP8_REQUIREMENT}",
            received=f"{major}.{minor} ({torch.cuda.get_device_name()})",
            hint="export the fp8 profile on an Ada (8.9), Hopper (9.0) or newer GPU",
        )


def prepare_module(module: nn.Module, profile: str, device: str) -> nn.Module:
    """A private copy in the profile's precision on the device; the caller's module is untouched."""
    check_profile(profile, device)
    prepared = copy.deepcopy(module).eval().to(device=device, dtype=compute_dtype(profile))
    if profile == "fp8":
        quantize_fp8(prepared)
    return prepared


def prepare_input(tensor: torch.Tensor, profile: str, device: str) -> torch.Tensor:
    # Only floating inputs follow the profile; token ids, masks and the like keep their dtype.
    dtype = compute_dtype(profile) if tensor.is_floating_point() else tensor.dtype
    return tensor.to(device=device, dtype=dtype)

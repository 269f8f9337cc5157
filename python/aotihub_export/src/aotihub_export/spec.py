"""What to export, and how a spec file declares it.

A spec file is plain Python defining `spec(device: str) -> ExportSpec` or
`specs(device: str) -> list[ExportSpec]` (or a module-level `SPEC`). Functions, so the module can
be sized for the device (a tiny DiT on CPU, a ~50M-parameter one on GPU).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field

import torch
from torch import nn

from .errors import ExportError

Buckets = dict[str, dict[str, torch.Tensor]]
# input name -> {dim index -> (min, max)}
Dynamic = dict[str, dict[int, tuple[int, int]]]


@dataclass
class ExportSpec:
    name: str
    module: nn.Module
    buckets: Buckets
    profiles: list[str] = field(default_factory=lambda: ["fp32"])
    dynamic: Dynamic | None = None
    # Kernel repos whose ops the module calls, as the manifest names them:
    # [{"repo": "kernels-community/flash-attn3", "version": 1}] (or "revision" instead of "version").
    kernels: list[dict[str, object]] = field(default_factory=list)
    # "libtorch" (the default) or "standalone": a package that runs on aotihub's own C shim, with no
    # torch installed (docs/standalone-runtime.md). A list builds both into one repo.
    runtime: str | list[str] = "libtorch"
    # The fused attention backends a libtorch build may call, in priority order, or "torch" for
    # torch's own choice; None: the helper's default (export_model's docstring).
    attention: str | list[str] | None = None
    # Patch-embedding convolutions as a matmul in libtorch builds (no cuDNN call for them on CUDA).
    patch_conv_as_matmul: bool = False


def load_specs(path: str, device: str) -> list[ExportSpec]:
    if not os.path.isfile(path):
        raise ExportError(
            "AOTIHUB_EXPORT_SPEC",
            f"spec file not found: {path}",
            expected="a Python file defining spec(device) or specs(device)",
            received=path,
        )
    # Spec files may import their neighbours (shared model classes), as a script would.
    spec_dir = os.path.dirname(os.path.abspath(path))
    if spec_dir not in sys.path:
        sys.path.insert(0, spec_dir)
    module_name = "aotihub_spec_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    assert loader_spec is not None and loader_spec.loader is not None
    loaded = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = loaded
    loader_spec.loader.exec_module(loaded)
    if hasattr(loaded, "specs"):
        result = list(loaded.specs(device))
    elif hasattr(loaded, "spec"):
        result = [loaded.spec(device)]
    elif hasattr(loaded, "SPEC"):
        result = [loaded.SPEC]
    else:
        raise ExportError(
            "AOTIHUB_EXPORT_SPEC",
            f"{path} declares nothing to export",
            expected="a function spec(device) or specs(device), or a variable SPEC",
            received="none of them",
            hint="see docs/publishing.md for a spec file example",
        )
    for item in result:
        if not isinstance(item, ExportSpec):
            raise ExportError(
                "AOTIHUB_EXPORT_SPEC",
                f"{path} returned something that is not an ExportSpec",
                expected="aotihub_export.ExportSpec",
                received=type(item).__name__,
            )
    return result

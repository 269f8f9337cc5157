"""Compile one bucket: torch.export + AOTInductor into a `.pt2` that carries no weights.

The constants are taken from the compile itself (inductor's `Weights`, keyed by each constant's
original FQN, folded constants left out), not from `state_dict()`: that way graph constants lifted
during tracing (`_tensor_constant0`, `lifted_tensor_0`, plain tensor attributes) are included.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field

import torch
from torch._inductor import aot_compile
from torch._inductor.package import package_aoti
from torch.export.pt2_archive._package_weights import Weights

from .attention import attention_lowering, check_attention_calls
from .constant_fqns import bound_constant_fqns
from .patch_conv import patch_convs_as_matmul
from .errors import ExportError
from .standalone import (
    check_standalone_package,
    refuse_unlowerable,
    standalone_configs,
    standalone_program,
    standalone_tracing,
)


@dataclass(frozen=True)
class CompiledBucket:
    package_path: str
    # Original FQN -> tensor (on the compile device), exactly what the package needs bound.
    constants: dict[str, torch.Tensor]
    # runtime "standalone": the aoti_torch_* shim functions the package's .so needs.
    shim_functions: list[str] | None = None
    # The fused attention backends the package calls ("cudnn", "flash", ...; empty: none).
    attention_calls: list[str] = field(default_factory=list)


def inductor_configs(device: str, runtime: str = "libtorch") -> dict[str, object]:
    configs: dict[str, object] = {
        "aot_inductor.package": True,
        # Every bucket shares one weight set bound at run time, so no bucket carries weights.
        "aot_inductor.package_constants_in_so": False,
        # Only to receive the constants from the compile; they are dropped before packaging.
        "aot_inductor.package_constants_on_disk_format": "pickle_weights",
    }
    if device == "cuda":
        # One file per kernel is fragile to ship (docs/architecture.md 2.1): keep kernels inside the .so.
        configs["aot_inductor.embed_kernel_binary"] = True
    if runtime == "standalone":
        configs.update(standalone_configs(device))
    return configs


def compile_bucket(
    module: torch.nn.Module,
    args: tuple[torch.Tensor, ...],
    package_path: str,
    *,
    device: str,
    dynamic_shapes: dict[str, dict[int, torch.export.Dim]] | None = None,
    runtime: str = "libtorch",
    attention: tuple[str, ...] | None = None,
    patch_conv_as_matmul: bool = False,
) -> CompiledBucket:
    """attention: the SDPA backends allowed, in priority order (None: torch's choice);
    patch_conv_as_matmul: patch-embedding convolutions as a matmul (patch_conv.py). Both for
    libtorch builds only: standalone builds compute attention and convolutions as matmuls."""
    standalone = runtime == "standalone"
    allowed = None if standalone else attention
    # inductor, not export, picks the fused attention kernel: export and compile run under the choice
    with attention_lowering(allowed):
        return compile_under(
            module,
            args,
            package_path,
            device=device,
            dynamic_shapes=dynamic_shapes,
            runtime=runtime,
            allowed=allowed,
            patch_conv_as_matmul=patch_conv_as_matmul and not standalone,
        )


def compile_under(
    module: torch.nn.Module,
    args: tuple[torch.Tensor, ...],
    package_path: str,
    *,
    device: str,
    dynamic_shapes: dict[str, dict[int, torch.export.Dim]] | None,
    runtime: str,
    allowed: tuple[str, ...] | None,
    patch_conv_as_matmul: bool,
) -> CompiledBucket:
    standalone = runtime == "standalone"
    with standalone_tracing() if standalone else contextlib.nullcontext():
        exported = torch.export.export(module, args, dynamic_shapes=dynamic_shapes, strict=False)
    if standalone:
        exported = standalone_program(exported, device)
    if patch_conv_as_matmul:
        exported = patch_convs_as_matmul(exported)
    graph_module = exported.module(check_guards=False)
    try:
        files = aot_compile(graph_module, args, {}, options=inductor_configs(device, runtime))
    except Exception as error:
        if standalone:  # an op with no generated kernel: name it (AOTIHUB_EXPORT_STANDALONE)
            refuse_unlowerable(error, os.path.basename(package_path), device)
        raise
    if not isinstance(files, list):
        raise ExportError(
            "AOTIHUB_EXPORT_COMPILE",
            "AOTInductor did not return a file list",
            expected="a list of generated files (aot_inductor.package=True)",
            received=type(files).__name__,
            hint="use a torch version this helper supports (>= 2.10)",
        )
    weights = [f for f in files if isinstance(f, Weights)]
    paths = [f for f in files if isinstance(f, str)]
    if len(weights) != 1:
        raise ExportError(
            "AOTIHUB_EXPORT_COMPILE",
            "AOTInductor did not hand back the compiled constants",
            expected="one Weights record (package_constants_on_disk_format='pickle_weights')",
            received=f"{len(weights)} records",
            hint="this torch version changed how AOTI returns constants; pin torch to a tested minor",
        )
    constants = {fqn: tensor for fqn, (tensor, _props) in weights[0].items()}
    wrapper_source = read_wrapper_source(files)
    check_constant_fqns(wrapper_source, constants, package_path)
    attention_calls = check_attention_calls(wrapper_source, allowed, os.path.basename(package_path))
    os.makedirs(os.path.dirname(package_path) or ".", exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        package_aoti(package_path, {"model": [stable_source(p, scratch) for p in paths]})
    shims = check_standalone_package(package_path, os.path.basename(package_path)) if standalone else None
    return CompiledBucket(
        package_path=package_path, constants=constants, shim_functions=shims, attention_calls=attention_calls
    )


def read_wrapper_source(files: list[object]) -> str:
    wrappers = [f for f in files if isinstance(f, str) and f.endswith(".wrapper.cpp")]
    if len(wrappers) != 1:
        raise ExportError(
            "AOTIHUB_EXPORT_PACKAGE",
            "cannot find the generated wrapper source",
            expected="one *.wrapper.cpp among AOTI's generated files",
            received=f"{len(wrappers)}",
        )
    with open(wrappers[0], encoding="utf-8") as f:
        return f.read()


def check_constant_fqns(wrapper_source: str, constants: dict[str, torch.Tensor], package_path: str) -> None:
    """What we store must equal what the container binds: a mismatch would make a full-update
    bind fail at load time, far from its cause."""
    needed = bound_constant_fqns(wrapper_source)
    have = set(constants)
    if needed != have:
        raise ExportError(
            "AOTIHUB_EXPORT_CONSTANT",
            f"the constants AOTI handed back do not match what {os.path.basename(package_path)} binds",
            expected=f"the container's original FQNs {sorted(needed)}",
            received=f"missing {sorted(needed - have)}, extra {sorted(have - needed)}",
            hint="report this with your torch version; AOTI changed how it names constants",
        )


COMMAND_TRAILER = "\n// Compile cmd\n"


def stable_source(path: str, scratch: str) -> str:
    """A copy of a generated .cpp without the compile/link commands inductor appends at its end.

    The sources must stay in the package (torch 2.11's package loader finds the metadata by the
    .cpp's name), but inductor appends those commands to its cached copy again on every
    recompile and they hold the build machine's paths, which made identical exports differ.
    """
    if not path.endswith(".cpp"):
        return path
    with open(path, encoding="utf-8") as f:
        text = f.read()
    cut = text.find(COMMAND_TRAILER)
    if cut >= 0 and all(line.startswith("//") or not line.strip() for line in text[cut:].splitlines()):
        text = text[: cut + 1]
    copy = os.path.join(scratch, os.path.basename(path))
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text)
    shutil.copystat(path, copy)
    return copy

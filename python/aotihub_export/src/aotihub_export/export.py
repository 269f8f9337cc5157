"""`export_model`: one module, its buckets and profiles -> a Hub-convention folder.

    <out>/aotihub.json
    <out>/weights/<profile>/model.safetensors        constants shared by every bucket (original FQNs)
    <out>/weights/<profile>/<bucket>.safetensors     only when a bucket's constants differ
    <out>/aoti/<target>/<profile>/<bucket>.pt2       one package per bucket, no weights inside
    <out>/io/<bucket>.safetensors                    with write_io: inputs and eager outputs
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import sys
import time
import zipfile
from collections.abc import Callable, Sequence

import torch
from safetensors.torch import save_file
from torch import nn

from .attention import Attention, resolve_attention
from .compile import compile_bucket
from .errors import ExportError
from .files import sha256_of, write_json_atomic
from .io_files import flatten_outputs, write_io
from .manifest import artifact_entry, manifest_document
from .profiles import prepare_input, prepare_module
from .spec import Buckets, Dynamic
from .standalone import check_runtime
from .target import target_folder, target_of
from .weight_sets import plan_weight_sets


def log_stderr(message: str) -> None:
    print(f"[aotihub-export] {message}", file=sys.stderr, flush=True)


def export_model(
    module: nn.Module,
    name: str,
    buckets: Buckets,
    out_dir: str,
    *,
    profiles: list[str] | None = None,
    device: str = "cpu",
    dynamic: Dynamic | None = None,
    write_io_files: bool = False,
    kernels: list[dict[str, object]] | None = None,
    runtime: str | Sequence[str] = "libtorch",
    attention: Attention = None,
    patch_conv_as_matmul: bool = False,
    log: Callable[[str], None] = log_stderr,
) -> dict[str, object]:
    """Exports and returns the manifest written to `<out_dir>/aotihub.json`.

    runtime="standalone" compiles packages that need no libtorch (docs/standalone-runtime.md);
    a list (["libtorch", "standalone"]) builds every bucket for each runtime into one repo, so
    machines with torch get the libtorch build and machines without it the standalone one.

    attention: the fused attention backends a libtorch build may call, in priority order
    ("flash", "efficient", "cudnn", "math"), or "torch" for torch's own choice. Default: flash,
    efficient, math on CUDA (cuDNN attention builds its engine on a process's first call: see
    attention.py), torch's choice on CPU. patch_conv_as_matmul: a libtorch build computes patch-embedding
    convolutions (stride = kernel, no padding) as one matmul instead of an aten (on CUDA: cuDNN)
    convolution (patch_conv.py)."""
    runtimes = [runtime] if isinstance(runtime, str) else list(dict.fromkeys(runtime))
    if not runtimes:
        raise ExportError(
            "AOTIHUB_EXPORT_RUNTIME",
            "no runtime to build for",
            expected='"libtorch", "standalone", or a list of them',
            received="an empty list",
        )
    for each in runtimes:
        check_runtime(each)
    # refused before any compile
    lowering = {each: resolve_attention(attention, device, each) for each in runtimes}
    profiles = profiles or (["bf16"] if device == "cuda" else ["fp32"])
    check_buckets(module, buckets)
    staging = os.path.join(out_dir, ".staging")
    os.makedirs(staging, exist_ok=True)
    weights: dict[str, dict[str, list[str]]] = {}
    artifacts: list[dict[str, object]] = []
    for profile in profiles:
        prepared = prepare_module(module, profile, device)
        # Keyed by build: the bucket's name, with "@<runtime>" for every runtime after the first.
        per_bucket: dict[str, dict[str, torch.Tensor]] = {}
        placed: dict[str, tuple[str, str, str, dict[str, object], dict[str, torch.Tensor]]] = {}
        builds = [(r, b, raw) for r in runtimes for b, raw in buckets.items()]
        for runtime, bucket, raw_inputs in builds:
            build = bucket if runtime == runtimes[0] else f"{bucket}@{runtime}"
            started = time.monotonic()
            inputs = {n: prepare_input(t, profile, device) for n, t in ordered(module, raw_inputs).items()}
            args = tuple(inputs.values())
            staged = os.path.join(staging, profile, f"{build}.pt2")
            with torch.no_grad():
                compiled = compile_bucket(
                    prepared,
                    args,
                    staged,
                    device=device,
                    dynamic_shapes=dims_for(dynamic, inputs),
                    runtime=runtime,
                    attention=lowering[runtime],
                    patch_conv_as_matmul=patch_conv_as_matmul,
                )
                if write_io_files and runtime == runtimes[0]:  # eager outputs: the same for every runtime
                    outputs = flatten_outputs(prepared(*args))
                    io_name = f"{bucket}.safetensors" if len(profiles) == 1 else f"{profile}/{bucket}.safetensors"
                    write_io(os.path.join(out_dir, "io", io_name), inputs, outputs)
            check_kernels_named(staged, kernels or [], bucket)
            target = target_of(staged)
            # Both runtimes' builds of one target may sit side by side in a repo.
            folder = target_folder(target) + ("" if runtime == "libtorch" else f"-{runtime}")
            rel_path = f"aoti/{folder}/{profile}/{bucket}.pt2"
            final = os.path.join(out_dir, rel_path)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            os.replace(staged, final)
            per_bucket[build] = compiled.constants
            placed[build] = (bucket, runtime, rel_path, target, inputs)
            calls = ", ".join(compiled.attention_calls) or "none"
            log(
                f"{name}: {profile}/{bucket} ({runtime}) compiled in {time.monotonic() - started:.1f} s"
                f" (fused attention: {calls})"
            )
        plan = plan_weight_sets(per_bucket)
        shared_rel = f"weights/{profile}/model.safetensors"
        save_weights(os.path.join(out_dir, shared_rel), plan.shared)
        weights[profile] = {"files": [shared_rel]}
        for build, (bucket, runtime, rel_path, target, inputs) in placed.items():
            override = None
            if build in plan.overrides:
                # e.g. a standalone CPU build's prepacked GEMM weights, named like the libtorch
                # build's constants but holding other values
                suffix = bucket if build == bucket else f"{bucket}.{runtime}"
                override = f"{profile}.{suffix}"
                override_rel = f"weights/{profile}/{suffix}.safetensors"
                save_weights(os.path.join(out_dir, override_rel), plan.overrides[build])
                weights[override] = {"files": [override_rel]}
                log(f"{name}: {profile}/{bucket} ({runtime}) has its own {sorted(plan.overrides[build])}")
            full = os.path.join(out_dir, rel_path)
            artifacts.append(
                artifact_entry(
                    path=rel_path,
                    sha256=sha256_of(full),
                    size=os.path.getsize(full),
                    profile=profile,
                    bucket=bucket,
                    inputs=inputs,
                    dynamic=dynamic,
                    target=target,
                    weights_override=override,
                    kernels=kernels or [],
                    constants=per_bucket[build],
                    runtime=runtime,
                )
            )
    shutil.rmtree(staging, ignore_errors=True)
    manifest = manifest_document(name, weights, profiles, artifacts)
    write_json_atomic(os.path.join(out_dir, "aotihub.json"), manifest)
    return manifest


def custom_op_calls(package_path: str) -> list[str]:
    """The non-aten ops a package calls through the proxy executor (its `*.wrapper.json` nodes)."""
    with zipfile.ZipFile(package_path) as archive:
        targets: list[str] = []
        for name in archive.namelist():
            if name.endswith(".wrapper.json"):
                nodes = json.loads(archive.read(name)).get("nodes", [])
                targets += [str(n.get("node", {}).get("target")) for n in nodes]
        return sorted(set(targets))


def check_kernels_named(package_path: str, kernels: list[dict[str, object]], bucket: str) -> None:
    """A package that calls custom ops cannot run unless its manifest says which kernel provides them."""
    calls = custom_op_calls(package_path)
    if calls and not kernels:
        raise ExportError(
            "AOTIHUB_EXPORT_KERNELS_MISSING",
            f"bucket {bucket!r} calls custom ops but the spec names no kernel repo",
            expected='ExportSpec(kernels=[{"repo": "org/kernel", "version": 1}]) naming the kernel that registers them',
            received=f"calls to {', '.join(calls)}",
            hint="name the kernels-community repo (and version) whose build the module imported",
        )


def save_weights(path: str, tensors: dict[str, torch.Tensor]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    save_file(tensors, tmp, metadata={"format": "pt"})
    os.replace(tmp, path)


def forward_parameters(module: nn.Module) -> list[inspect.Parameter]:
    return list(inspect.signature(module.forward).parameters.values())


def check_buckets(module: nn.Module, buckets: Buckets) -> None:
    if not buckets:
        raise ExportError(
            "AOTIHUB_EXPORT_BUCKETS",
            "no buckets to export",
            expected='at least one bucket, e.g. {"b2": {"x": torch.randn(2, 8)}}',
            received="{}",
        )
    params = forward_parameters(module)
    names = [p.name for p in params]
    required = [p.name for p in params if p.default is inspect.Parameter.empty]
    for bucket, inputs in buckets.items():
        unknown = [n for n in inputs if n not in names]
        missing = [n for n in required if n not in inputs]
        bad = [n for n, t in inputs.items() if not isinstance(t, torch.Tensor)]
        if unknown or missing or bad:
            raise ExportError(
                "AOTIHUB_EXPORT_BUCKETS",
                f"bucket {bucket!r} does not match {type(module).__name__}.forward",
                expected=f"tensors for the forward parameters {names} (required: {required})",
                received=f"unknown {unknown}, missing {missing}, not tensors {bad}",
                hint="name each bucket input after a forward() parameter",
            )


def ordered(module: nn.Module, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The inputs in forward() order: that order is the package's positional input order."""
    return {p.name: inputs[p.name] for p in forward_parameters(module) if p.name in inputs}


def dims_for(dynamic: Dynamic | None, inputs: dict[str, torch.Tensor]) -> dict[str, object] | None:
    if not dynamic:
        return None
    shapes: dict[str, object] = {}
    for name in inputs:
        ranges = dynamic.get(name, {})
        shapes[name] = {
            dim: torch.export.Dim(f"{name}_d{dim}", min=lo, max=hi) for dim, (lo, hi) in ranges.items()
        } or None
    return shapes

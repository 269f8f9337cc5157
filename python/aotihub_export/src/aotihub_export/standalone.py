"""The "standalone" runtime: packages whose `.so` needs no libtorch (docs/standalone-runtime.md).

Compiled with `aot_inductor.link_libtorch=False`, the model leaves the C-shim functions undefined
and aotihub's addon provides them. That works only for bookkeeping functions (tensor handles,
allocation, dtype codes): an aten op called through the shim (`aoti_torch_cpu_addmm_out`,
`aoti_torch_cpu_convolution`, ...) would need libtorch itself. So GEMMs are generated code (the CPP
template on CPU, Triton on CUDA), attention is exported as math, 2D convolutions become unfold +
matmul, and every compiled package is checked against the list of functions the runtime
provides before it is published.
"""

from __future__ import annotations

import contextlib
import math
import re
import zipfile
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from .elf_symbols import read_dynamic_info
from .errors import ExportError

RUNTIMES = ("libtorch", "standalone")

# The shim functions aotihub's standalone runtime exports (packages/native/src/shim). A test checks
# this list against the addon's real exports, so the two cannot drift apart.
SHIM_FUNCTIONS = frozenset(
    {
        "aoti_torch__reinterpret_tensor",
        "aoti_torch_check",
        "aoti_torch_clone",
        "aoti_torch_clone_preserve_strides",
        "aoti_torch_copy_",
        "aoti_torch_create_cuda_stream_guard",
        "aoti_torch_create_tensor_from_blob",
        "aoti_torch_create_tensor_from_blob_v2",
        "aoti_torch_delete_cuda_stream_guard",
        "aoti_torch_delete_tensor_object",
        "aoti_torch_device_type_cpu",
        "aoti_torch_device_type_cuda",
        "aoti_torch_dtype_bfloat16",
        "aoti_torch_dtype_bool",
        "aoti_torch_dtype_float16",
        "aoti_torch_dtype_float32",
        "aoti_torch_dtype_float64",
        "aoti_torch_dtype_float8_e4m3fn",
        "aoti_torch_dtype_float8_e5m2",
        "aoti_torch_dtype_int16",
        "aoti_torch_dtype_int32",
        "aoti_torch_dtype_int64",
        "aoti_torch_dtype_int8",
        "aoti_torch_dtype_uint8",
        "aoti_torch_empty_strided",
        "aoti_torch_get_current_cuda_stream",
        "aoti_torch_get_data_ptr",
        "aoti_torch_get_device_index",
        "aoti_torch_get_device_type",
        "aoti_torch_get_dim",
        "aoti_torch_get_dtype",
        "aoti_torch_get_numel",
        "aoti_torch_get_sizes",
        "aoti_torch_get_storage_offset",
        "aoti_torch_get_storage_size",
        "aoti_torch_get_strides",
        "aoti_torch_grad_mode_is_enabled",
        "aoti_torch_grad_mode_set_enabled",
        "aoti_torch_layout_strided",
        "aoti_torch_new_tensor_handle",
        "aoti_torch_warn",
    }
)

LIBTORCH_SONAMES = ("libtorch", "libc10")


def check_runtime(runtime: str) -> None:
    if runtime not in RUNTIMES:
        raise ExportError(
            "AOTIHUB_EXPORT_RUNTIME",
            f"unknown runtime {runtime!r}",
            expected=" | ".join(RUNTIMES),
            received=repr(runtime),
        )


def standalone_configs(device: str) -> dict[str, object]:
    """Inductor settings for a package that runs on aotihub's own shim (docs/architecture.md 2.5b)."""
    configs: dict[str, object] = {
        "aot_inductor.link_libtorch": False,
        "max_autotune_gemm_backends": "CPP" if device == "cpu" else "TRITON",
    }
    if device == "cuda":
        # GEMMs and convolutions as Triton templates (an aten mm would be a shim call into
        # libtorch). Only the templates are autotuned: max_autotune would also benchmark every
        # pointwise kernel's configs, minutes more at FLUX width for what the libtorch build skips too.
        configs["max_autotune_gemm"] = True
        configs["max_autotune_conv_backends"] = "TRITON"
        # Inductor's fuse_attention patterns turn matmul + softmax (what attention_as_math leaves)
        # back into a fused SDPA, which on CUDA lowers to cuDNN attention, a libtorch call (seen on an
        # H200, torch 2.11: `aoti_torch_cuda__scaled_dot_product_cudnn_attention`). Those patterns
        # only run with the pattern matcher, so it is off for CUDA standalone builds.
        configs["pattern_matcher"] = False
    else:
        # GEMMs as the CPP template.
        configs["max_autotune"] = True
    return configs


@contextlib.contextmanager
def standalone_tracing() -> Iterator[None]:
    """Attention traced as plain matmuls and softmax, never a fused aten SDPA kernel."""
    with sdpa_kernel([SDPBackend.MATH]):
        yield


def conv_as_matmul(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: list[int],
    padding: list[int],
    dilation: list[int],
    transposed: bool,
    output_padding: list[int],
    groups: int,
) -> torch.Tensor:
    """A 2D convolution as unfold + (batched) matmul, which the GEMM templates compile (CPP, Triton).

    Other convolutions (transposed, 1D/3D) are left alone; the package check then names them.
    """
    if transposed or x.dim() != 4:
        return NotImplemented
    n, channels, height, width = x.shape
    out_channels, _, kh, kw = weight.shape
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out_h = (height + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (width + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    if groups == 1:
        out = torch.matmul(weight.reshape(out_channels, -1), cols)
    else:
        cols = cols.reshape(n, groups, (channels // groups) * kh * kw, -1)
        out = torch.matmul(weight.reshape(groups, out_channels // groups, -1), cols)
    out = out.reshape(n, out_channels, -1)
    if bias is not None:
        out = out + bias.reshape(1, out_channels, 1)
    return out.reshape(n, out_channels, out_h, out_w)


def attention_as_math(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attn_mask: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> torch.Tensor:
    """scaled_dot_product_attention as matmul + softmax (what SDPBackend.MATH computes), for CUDA:
    exported under sdpa_kernel([MATH]) the graph still holds the fused op, and inductor, compiling
    later, chose cuDNN attention for it (`aoti_torch_cuda__scaled_dot_product_cudnn_attention`, a
    libtorch call; seen on an H200, torch 2.11)."""
    if dropout_p != 0.0:
        return NotImplemented
    scale_factor = scale if scale is not None else 1.0 / math.sqrt(query.shape[-1])
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        repeat = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(repeat, dim=-3)
        value = value.repeat_interleave(repeat, dim=-3)
    scores = torch.matmul(query, key.transpose(-2, -1)) * scale_factor
    if is_causal:
        length, source = query.shape[-2], key.shape[-2]
        causal = torch.ones(length, source, dtype=torch.bool, device=query.device).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    weights = torch.softmax(scores.float(), dim=-1).to(query.dtype)
    return torch.matmul(weights, value)


def standalone_program(exported: torch.export.ExportedProgram, device: str) -> torch.export.ExportedProgram:
    # CUDA too: where inductor's Triton conv template does not take a convolution it falls back to
    # aten (`aoti_torch_cuda_convolution`, a libtorch call); as unfold + matmul it is a Triton GEMM.
    table = torch.export.default_decompositions()
    table[torch.ops.aten.convolution.default] = conv_as_matmul
    if device != "cpu":
        table[torch.ops.aten.scaled_dot_product_attention.default] = attention_as_math
    return exported.run_decompositions(table)


def check_standalone_package(package_path: str, bucket: str) -> list[str]:
    """The package's `.so` must need no libtorch and only shim functions the runtime provides.

    Returns the aoti_torch_* functions it needs (for the manifest's reader and the docs)."""
    with zipfile.ZipFile(package_path) as archive:
        names = [n for n in archive.namelist() if n.endswith(".so")]
        needed: set[str] = set()
        libraries: set[str] = set()
        for name in names:
            info = read_dynamic_info(archive.read(name))
            libraries.update(info.needed)
            needed.update(s for s in info.undefined if s.startswith("aoti_torch_"))
    libtorch = sorted(lib for lib in libraries if lib.startswith(LIBTORCH_SONAMES))
    missing = sorted(needed - SHIM_FUNCTIONS)
    if libtorch or missing:
        raise ExportError(
            "AOTIHUB_EXPORT_STANDALONE",
            f"bucket {bucket!r} cannot run without libtorch",
            expected="a .so needing no libtorch and only aotihub's shim functions "
            "(tensor bookkeeping, no aten op)",
            received=f"needs libraries {libtorch}, shim functions aotihub lacks {missing}",
            hint="the calls named are aten ops the module uses that inductor could not generate code for; "
            "rewrite that part of the module, or publish this model with runtime='libtorch'",
        )
    return sorted(needed)


def refuse_unlowerable(error: BaseException, bucket: str, device: str) -> None:
    """Raises AOTIHUB_EXPORT_STANDALONE naming the op when inductor, limited to generated GEMM
    templates (no ATEN backend), had no kernel for it: torch raises NoValidChoicesError inside an
    InductorError whose text names the op as `target: aten.<op>`. Other errors are left alone."""
    text = f"{type(error).__name__}: {error}"
    if "NoValidChoicesError" not in text:
        return
    match = re.search(r"target: (\S+)", text)
    op = match.group(1) if match else "an op inductor did not name"
    gemm = "CPP" if device == "cpu" else "TRITON"
    raise ExportError(
        "AOTIHUB_EXPORT_STANDALONE",
        f"bucket {bucket!r} cannot run without libtorch: inductor has no generated kernel for {op}",
        expected=f"every matmul/convolution compiled by a {gemm} template (an aten kernel would be a libtorch call)",
        received=f"{op}, which only aten computes here (for instance an integer matmul, or a dtype the template lacks)",
        hint="change that part of the module (e.g. compute the matmul in a floating dtype), "
        "or publish this model with runtime='libtorch'",
    ) from error

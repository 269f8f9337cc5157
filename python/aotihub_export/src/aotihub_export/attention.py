"""Which fused attention kernel a libtorch build calls (`attention=` of export_model).

torch decides how `scaled_dot_product_attention` runs while inductor compiles, and AOTInductor
bakes that choice into the package as one aten call (`aoti_torch_cuda__scaled_dot_product_*`).
On Hopper and Blackwell, torch 2.11 puts cuDNN attention first, and cuDNN builds its attention
engine at run time (NVRTC) on a process's first call of each shape: ~76 ms of the ~290 ms
first call of the FLUX-like DiT on an H200, and ~50-65 ms more for each further shape
(docs/benchmarks.md, "What the first call pays"). So CUDA libtorch builds default to flash, then
memory-efficient attention, whose kernels ship precompiled in libtorch (flash is slower than cuDNN
at long sequences: attention="torch" keeps torch's choice). The choice is checked in the generated wrapper, because a compile cache could hand
back a build made under another choice.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Iterator, Sequence

from torch.nn.attention import SDPBackend, sdpa_kernel

from .errors import ExportError

BACKENDS = {
    "flash": SDPBackend.FLASH_ATTENTION,
    "efficient": SDPBackend.EFFICIENT_ATTENTION,
    "cudnn": SDPBackend.CUDNN_ATTENTION,
    "math": SDPBackend.MATH,
}
# torch decides (cuDNN first on Hopper/Blackwell with torch 2.11).
TORCH_CHOICE = "torch"
CUDA_LIBTORCH_DEFAULT = ("flash", "efficient", "math")

# The fused-attention op names inductor's wrapper calls, by the backend that provides them.
# ("fused" is the overrideable op other devices register.)
_WRAPPER_CALL = re.compile(r"_scaled_dot_product_(flash|efficient|cudnn|fused)_attention")

Attention = str | Sequence[str] | None


def resolve_attention(attention: Attention, device: str, runtime: str) -> tuple[str, ...] | None:
    """The backends allowed, in priority order, or None for torch's own choice."""
    if attention is None:
        return CUDA_LIBTORCH_DEFAULT if device == "cuda" and runtime == "libtorch" else None
    names = [attention] if isinstance(attention, str) else list(attention)
    if names == [TORCH_CHOICE]:
        return None
    unknown = [n for n in names if n not in BACKENDS]
    if not names or unknown or len(set(names)) != len(names):
        raise ExportError(
            "AOTIHUB_EXPORT_ATTENTION",
            "unknown attention backends",
            expected=f'"{TORCH_CHOICE}", or distinct names among {sorted(BACKENDS)} in priority order',
            received=repr(attention),
            hint='e.g. attention=["flash", "efficient", "math"] (CLI: --attention flash,efficient,math)',
        )
    return tuple(names)


@contextlib.contextmanager
def attention_lowering(allowed: tuple[str, ...] | None) -> Iterator[None]:
    """Only the allowed backends, in that order, while torch traces and inductor compiles."""
    if allowed is None:
        yield
        return
    backends = [BACKENDS[n] for n in allowed]
    # set_priority (torch >= 2.7) makes the order count; without it torch's own order among them
    ordered = "set_priority" in inspect.signature(sdpa_kernel).parameters
    with sdpa_kernel(backends, set_priority=True) if ordered else sdpa_kernel(backends):
        yield


def attention_calls(wrapper_source: str) -> list[str]:
    """The fused attention backends a generated wrapper calls (sorted, each once)."""
    return sorted({m.group(1) for m in _WRAPPER_CALL.finditer(wrapper_source)})


def check_attention_calls(wrapper_source: str, allowed: tuple[str, ...] | None, bucket: str) -> list[str]:
    calls = attention_calls(wrapper_source)
    if allowed is None:
        return calls
    refused = [c for c in calls if c not in allowed]
    if refused:
        raise ExportError(
            "AOTIHUB_EXPORT_ATTENTION",
            f"bucket {bucket!r} calls an attention backend it was not allowed",
            expected=f"fused attention only from {list(allowed)}",
            received=f"calls to {refused}",
            hint="clear the inductor cache (TORCHINDUCTOR_CACHE_DIR) and export again; "
            "if it persists, report it with your torch version",
        )
    return calls

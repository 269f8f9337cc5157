"""Issue 14 goal 2: what the first call of the libtorch FLUX-like build pays, piece by piece.

One piece per fresh process (python3 probe_pieces.py <piece>): torch imported and the CUDA context
made first (timed apart), then the piece's first call, its second call and a steady median, each
followed by a synchronize. Prints one JSON line. The pieces, at the FLUX-like shapes (1 x 24 heads
x 1024 tokens x 128, bf16; width 3072):
  sdpa-default | sdpa-cudnn | sdpa-flash | sdpa-efficient | sdpa-math   (sdpa_kernel([backend]))
  linear       the model's bf16 linears (qkv, proj, fc1, fc2, adaLN), first call of each in turn
  blas         the cuBLAS handle alone, then a tiny 16x16 bf16 matmul, then the qkv linear: which
               part of the first GEMM's cost is the library's, which the kernel's
  blas-thread  the tiny matmul on another thread first, then the qkv linear on this one: can a
               warm-up thread beside the load pay it (torch's cuBLAS handles are per thread)?
  conv         after a warm-up GEMM (cuBLAS initialised, as the model's linears do anyway): the patch
               embedding's convolution (4 -> 3072 channels, 2x2, stride 2; cuDNN), then the same as
               the matmul the export's patch_conv_as_matmul makes of it
  model-order  linear, then default SDPA, then 4096-token SDPA: do the costs add up?
Also: the backend torch picks by default (torch._fused_sdp_choice), and the shared libraries each
first call mapped (/proc/self/maps before and after: nvrtc-builtins means NVRTC compiled something).
"""

from __future__ import annotations

import json
import os
import sys
import time

T0 = time.perf_counter()
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402

IMPORTED = time.perf_counter()
HEADS, TOKENS, HEAD_DIM, WIDTH = 24, 1024, 128, 3072
BACKENDS = {
    "cudnn": SDPBackend.CUDNN_ATTENTION,
    "flash": SDPBackend.FLASH_ATTENTION,
    "efficient": SDPBackend.EFFICIENT_ATTENTION,
    "math": SDPBackend.MATH,
}


def mapped() -> set[str]:
    with open("/proc/self/maps") as f:
        return {line.split()[-1] for line in f if ".so" in line}


def timed(fn) -> float:
    torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1e3


def first_second_steady(fn, steady: int = 20) -> dict[str, object]:
    before = mapped()
    first = timed(fn)
    new = sorted(os.path.basename(p) for p in mapped() - before)
    second = timed(fn)
    runs = sorted(timed(fn) for _ in range(steady))
    return {"first_ms": first, "second_ms": second, "steady_ms": runs[len(runs) // 2], "mapped_by_first": new}


def qkv(tokens: int) -> tuple[torch.Tensor, ...]:
    return tuple(torch.randn(1, HEADS, tokens, HEAD_DIM, device="cuda", dtype=torch.bfloat16) for _ in range(3))


def sdpa(backend: str | None, tokens: int = TOKENS):
    q, k, v = qkv(tokens)
    if backend is None:
        return lambda: F.scaled_dot_product_attention(q, k, v)

    def call() -> None:
        with sdpa_kernel([BACKENDS[backend]]):
            F.scaled_dot_product_attention(q, k, v)

    return call


def default_choice() -> str:
    q, k, v = qkv(TOKENS)
    choice = int(torch._fused_sdp_choice(q, k, v))
    names = {int(b.value): name for name, b in SDPBackend.__members__.items()}
    return names.get(choice, str(choice))


LINEARS = {  # name: (tokens, in, out), as the FLUX-like block calls them
    "qkv": (TOKENS, WIDTH, 3 * WIDTH),
    "proj": (TOKENS, WIDTH, WIDTH),
    "fc1": (TOKENS, WIDTH, 4 * WIDTH),
    "fc2": (TOKENS, 4 * WIDTH, WIDTH),
    "ada": (1, WIDTH, 6 * WIDTH),
}


def linears() -> dict[str, object]:
    out: dict[str, object] = {}
    for name, (m, k, n) in LINEARS.items():
        x = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
        w = torch.randn(n, k, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(n, device="cuda", dtype=torch.bfloat16)
        out[name] = first_second_steady(lambda x=x, w=w, b=b: F.linear(x, w, b))
    return out


def main(piece: str) -> None:
    result: dict[str, object] = {"piece": piece, "torch": torch.__version__, "import_ms": (IMPORTED - T0) * 1e3}
    result["context_ms"] = timed(lambda: torch.zeros(1, device="cuda"))
    result["device"] = torch.cuda.get_device_name()
    result["cudnn"] = torch.backends.cudnn.version()
    result["env"] = {k: os.environ[k] for k in ("CUDA_MODULE_LOADING", "TORCH_CUDNN_SDPA_DEPRIORITIZED") if k in os.environ}
    # randn's own first launch, so that it is not counted in a piece
    result["randn_first_ms"] = timed(lambda: torch.randn(8, device="cuda"))
    if piece.startswith("sdpa-"):
        backend = piece.removeprefix("sdpa-")
        result["1024"] = first_second_steady(sdpa(None if backend == "default" else backend))
        result["default_choice"] = default_choice()  # after: asking must not pay part of the first call
        # another shape after the first: what each new bucket pays again
        result["4096"] = first_second_steady(sdpa(None if backend == "default" else backend, 4 * TOKENS), steady=5)
    elif piece == "linear":
        result["linears"] = linears()
    elif piece in ("blas", "blas-thread"):
        a = torch.randn(16, 16, device="cuda", dtype=torch.bfloat16)
        m, k, n = LINEARS["qkv"]
        x = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
        w = torch.randn(n, k, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(n, device="cuda", dtype=torch.bfloat16)
        if piece == "blas":
            result["handle_ms"] = timed(torch.cuda.current_blas_handle)
            result["tiny matmul"] = first_second_steady(lambda: a @ a)
        else:
            import threading

            box: dict[str, object] = {}
            worker = threading.Thread(target=lambda: box.update(first_second_steady(lambda: a @ a)))
            worker.start()
            worker.join()
            result["tiny matmul (other thread)"] = box
        result["qkv"] = first_second_steady(lambda: F.linear(x, w, b))
    elif piece == "conv":
        x = torch.randn(1, 4, 64, 64, device="cuda", dtype=torch.bfloat16)
        w = torch.randn(WIDTH, 4, 2, 2, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(WIDTH, device="cuda", dtype=torch.bfloat16)
        # cuBLAS first, as the model's other linears initialise it anyway: the figures below are
        # then what the conv adds (cuDNN) and what its matmul form adds
        warm = torch.randn(64, 64, device="cuda", dtype=torch.bfloat16)
        result["blas warm-up"] = first_second_steady(lambda: warm @ warm, steady=3)
        result["conv"] = first_second_steady(lambda: F.conv2d(x, w, b, stride=2))
        patches = x.reshape(1, 4, 32, 2, 32, 2).permute(0, 2, 4, 1, 3, 5).reshape(1024, 16)
        result["conv as matmul"] = first_second_steady(lambda: F.linear(patches, w.reshape(WIDTH, -1), b))
    elif piece == "model-order":
        result["linears"] = linears()
        result["1024"] = first_second_steady(sdpa(None))
        result["default_choice"] = default_choice()
        result["4096"] = first_second_steady(sdpa(None, 4 * TOKENS), steady=5)
    else:
        raise SystemExit(f"unknown piece {piece!r}")
    result["process_ms"] = (time.perf_counter() - T0) * 1e3
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])

"""Patch embeddings as a matmul in libtorch builds (`patch_conv_as_matmul=` of export_model).

A 2D convolution whose stride equals its kernel, without padding, dilation or groups (the patch
embedding of a DiT) is a reshape of its input into patches and one matmul. On CUDA, as an aten
convolution, it is the package's only cuDNN call once attention is not cuDNN's, and it makes the
first call of a fresh process load and initialise cuDNN (its engine libraries are mapped by that
call: docs/benchmarks.md, "What the first call pays"); as a matmul it is a cuBLAS GEMM, which the
model calls anyway. Other convolutions are left to aten.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def is_patch_conv(weight: torch.Tensor, stride, padding, dilation, transposed: bool, groups: int) -> bool:
    if transposed or weight.dim() != 4 or groups != 1 or isinstance(padding, str):
        return False
    kernel = list(weight.shape[-2:])
    return list(stride) == kernel and all(p == 0 for p in padding) and all(d == 1 for d in dilation)


def patch_conv_as_matmul(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    n, channels, height, width = x.shape
    out_channels, _, kh, kw = weight.shape
    gh, gw = height // kh, width // kw
    # a stride-k convolution ignores the rows and columns past the last whole patch
    x = x[:, :, : gh * kh, : gw * kw]
    patches = x.reshape(n, channels, gh, kh, gw, kw).permute(0, 2, 4, 1, 3, 5).reshape(n * gh * gw, -1)
    out = F.linear(patches, weight.reshape(out_channels, -1), bias)
    return out.reshape(n, gh, gw, out_channels).permute(0, 3, 1, 2)


def _pair(value) -> list[int]:
    value = [value] if isinstance(value, int) else list(value)
    return value * 2 if len(value) == 1 else value


def conv2d_is_patch(x, weight, bias=None, stride=(1,), padding=(0,), dilation=(1,), groups=1) -> bool:
    if x.dim() != 4 or isinstance(padding, str):
        return False
    return is_patch_conv(weight, _pair(stride), _pair(padding), _pair(dilation), False, groups)


def convolution_is_patch(x, weight, bias, stride, padding, dilation, transposed, output_padding, groups) -> bool:
    return x.dim() == 4 and is_patch_conv(weight, stride, padding, dilation, transposed, groups)


def conv2d(x, weight, bias=None, *rest):
    return patch_conv_as_matmul(x, weight, bias) if conv2d_is_patch(x, weight, bias, *rest) else NotImplemented


def convolution(x, weight, bias, *rest):
    return patch_conv_as_matmul(x, weight, bias) if convolution_is_patch(x, weight, bias, *rest) else NotImplemented


_REWRITES = {
    torch.ops.aten.conv2d.default: (conv2d, conv2d_is_patch),
    torch.ops.aten.convolution.default: (convolution, convolution_is_patch),
}


def has_patch_conv(exported: torch.export.ExportedProgram) -> bool:
    for node in exported.graph.nodes:
        if node.op != "call_function" or node.target not in _REWRITES:
            continue
        args = [a.meta.get("val") if isinstance(a, torch.fx.Node) else a for a in node.args]
        if all(a is not None for a in args[:2]) and _REWRITES[node.target][1](*args):
            return True
    return False


def patch_convs_as_matmul(exported: torch.export.ExportedProgram) -> torch.export.ExportedProgram:
    """Only the patch convolutions are rewritten; every other op stays as exported (a program
    without one is returned as it is)."""
    if not has_patch_conv(exported):
        return exported
    return exported.run_decompositions({op: rewrite for op, (rewrite, _) in _REWRITES.items()})

"""fp8 profile: dynamic-activation float8 linears.

torchao's `Float8DynamicActivationFloat8WeightConfig` is used when torchao imports; otherwise a
small built-in linear over `torch._scaled_mm` with per-tensor scales (the scaling every fp8 GPU,
capability 8.9 and up, supports). Its weights become float8_e4m3fn data plus a float32 scale,
stored under the original FQNs (`<layer>.weight`, `<layer>.weight_scale`).
"""

from __future__ import annotations

import torch
from torch import nn

E4M3_MAX = torch.finfo(torch.float8_e4m3fn).max


def to_float8(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-tensor scaling: data / scale fits e4m3's range; returns (fp8 data, float32 scale)."""
    amax = t.detach().abs().amax().float().clamp(min=1e-12)
    scale = amax / E4M3_MAX
    data = (t.float() / scale).clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn)
    return data, scale


class Float8DynamicLinear(nn.Module):
    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        data, scale = to_float8(linear.weight)
        # Buffers, not parameters: fp8 weights are never trained here, and buffers export as
        # constants under the same FQN scheme.
        self.register_buffer("weight", data)
        self.register_buffer("weight_scale", scale)
        self.bias = linear.bias
        self.in_features = linear.in_features
        self.out_features = linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, x.shape[-1])
        x_data, x_scale = to_float8(rows)
        bias = None if self.bias is None else self.bias.to(x.dtype)
        out = torch._scaled_mm(
            x_data,
            self.weight.t(),
            scale_a=x_scale,
            scale_b=self.weight_scale,
            bias=bias,
            out_dtype=x.dtype,
        )
        return out.reshape(*x.shape[:-1], self.out_features)


def fp8_eligible(linear: nn.Linear) -> bool:
    # _scaled_mm needs both matrix dims divisible by 16; smaller layers stay in bf16.
    return linear.in_features % 16 == 0 and linear.out_features % 16 == 0


def quantize_builtin(module: nn.Module) -> int:
    """Swaps eligible nn.Linear children in place; returns how many were swapped."""
    swapped = 0
    for name, child in list(module.named_children()):
        if isinstance(child, nn.Linear) and fp8_eligible(child):
            setattr(module, name, Float8DynamicLinear(child))
            swapped += 1
        else:
            swapped += quantize_builtin(child)
    return swapped


def quantize_fp8(module: nn.Module) -> str:
    """Quantizes in place; returns which implementation was used ("torchao" or "builtin")."""
    try:
        from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, quantize_
    except ImportError:
        quantize_builtin(module)
        return "builtin"
    quantize_(module, Float8DynamicActivationFloat8WeightConfig())
    try:
        # AOTI wants plain tensors; torchao's subclass weights are unwrapped into plain constants.
        from torchao.utils import unwrap_tensor_subclass

        unwrap_tensor_subclass(module)
    except ImportError:
        pass
    return "torchao"

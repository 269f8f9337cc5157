"""A test kernel in the kernels-community layout: `mix` as a Python function over the op."""

from typing import Optional

import torch

from ._ops import ops


def mix(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: Optional[torch.Tensor],
    alpha: float,
    shift: int,
    relu: bool = False,
    scale_dims: tuple[int, ...] = (),
) -> torch.Tensor:
    return ops.mix(x, w, bias, alpha, shift, relu, list(scale_dims))


__all__ = ["mix", "ops"]

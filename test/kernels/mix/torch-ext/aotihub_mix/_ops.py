import torch

from . import _aotihub_mix_TEMPLATE  # noqa: F401  (loads the library: the build names it)

ops = torch.ops._aotihub_mix_TEMPLATE


def add_op_namespace_prefix(op_name: str) -> str:
    """Prefix op by namespace."""
    return f"_aotihub_mix_TEMPLATE::{op_name}"

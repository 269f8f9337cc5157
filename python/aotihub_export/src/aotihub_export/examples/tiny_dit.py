"""A tiny DiT-like model: patch embedding, transformer blocks with adaLN modulation from a
timestep embedding, attention through F.scaled_dot_product_attention, and unpatchify.

Sized by `TinyDiTConfig`: `cpu_config()` is a few hundred thousand parameters (fast to compile in
CI), `gpu_config()` is ~53M parameters (the demo and GPU tests). Resolution buckets are latent
sizes; each gives one sequence length ((H / patch) * (W / patch) tokens).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aotihub_export.spec import ExportSpec


@dataclass(frozen=True)
class TinyDiTConfig:
    in_channels: int = 4
    patch: int = 2
    width: int = 64
    depth: int = 2
    heads: int = 4
    mlp_ratio: int = 4
    freq_dim: int = 64


def cpu_config() -> TinyDiTConfig:
    return TinyDiTConfig()


def gpu_config() -> TinyDiTConfig:
    return TinyDiTConfig(width=768, depth=5, heads=12, freq_dim=256)


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale[:, None, :]) + shift[:, None, :]


class DiTBlock(nn.Module):
    def __init__(self, width: int, heads: int, mlp_ratio: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.fc1 = nn.Linear(width, mlp_ratio * width)
        self.fc2 = nn.Linear(mlp_ratio * width, width)
        # adaLN: shift, scale and gate for attention and MLP, from the timestep embedding.
        self.ada = nn.Linear(width, 6 * width)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(F.silu(c)).chunk(6, dim=-1)
        b, n, d = x.shape
        h = modulate(self.norm1(x), shift1, scale1)
        q, k, v = self.qkv(h).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, d)
        x = x + gate1[:, None, :] * self.proj(attn)
        h = modulate(self.norm2(x), shift2, scale2)
        return x + gate2[:, None, :] * self.fc2(F.gelu(self.fc1(h), approximate="tanh"))


class TinyDiT(nn.Module):
    def __init__(self, config: TinyDiTConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.patch_embed = nn.Conv2d(c.in_channels, c.width, kernel_size=c.patch, stride=c.patch)
        self.time_embed = nn.Sequential(nn.Linear(c.freq_dim, c.width), nn.SiLU(), nn.Linear(c.width, c.width))
        self.blocks = nn.ModuleList(DiTBlock(c.width, c.heads, c.mlp_ratio) for _ in range(c.depth))
        self.final_norm = nn.LayerNorm(c.width, elementwise_affine=False, eps=1e-6)
        self.final_ada = nn.Linear(c.width, 2 * c.width)
        self.proj_out = nn.Linear(c.width, c.patch * c.patch * c.in_channels)

    def forward(self, latents: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        c = self.config
        b, _, height, width = latents.shape
        gh, gw = height // c.patch, width // c.patch
        x = self.patch_embed(latents).flatten(2).transpose(1, 2)
        cond = self.time_embed(timestep_embedding(timestep, c.freq_dim).to(x.dtype))
        for block in self.blocks:
            x = block(x, cond)
        shift, scale = self.final_ada(F.silu(cond)).chunk(2, dim=-1)
        x = self.proj_out(modulate(self.final_norm(x), shift, scale))
        x = x.reshape(b, gh, gw, c.patch, c.patch, c.in_channels)
        return x.permute(0, 5, 1, 3, 2, 4).reshape(b, c.in_channels, height, width)


def resolution_buckets(sizes: list[int], in_channels: int, patch: int) -> dict[str, dict[str, torch.Tensor]]:
    """Square latents of each size; a bucket is named by its token count."""
    generator = torch.Generator().manual_seed(1)
    buckets = {}
    for size in sizes:
        tokens = (size // patch) ** 2
        buckets[str(tokens)] = {
            "latents": torch.randn(1, in_channels, size, size, generator=generator),
            "timestep": torch.tensor([500.0]),
        }
    return buckets


def spec(device: str) -> ExportSpec:
    config = cpu_config() if device == "cpu" else gpu_config()
    torch.manual_seed(0)
    model = TinyDiT(config).eval()
    # Two buckets on CPU keep the CI build short; three on GPU, as the demo and GPU tests use.
    sizes = [8, 16] if device == "cpu" else [32, 48, 64]
    profiles = ["fp32"] if device == "cpu" else ["bf16", "fp8"]
    if device == "cuda" and torch.cuda.get_device_capability() < (8, 9):
        profiles = ["bf16"]
    return ExportSpec(
        name="tiny-dit",
        module=model,
        buckets=resolution_buckets(sizes, config.in_channels, config.patch),
        profiles=profiles,
    )

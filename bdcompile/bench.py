"""Benchmark helpers: random-weight DiT presets, a denoising loop, and side-by-side timing.

Used by ``examples/benchmark.py`` and ``bdcompile bench``.  Timings alternate the strategies run by
run (A B A B ...) so that machine drift hits them alike, and report medians.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["PRESETS", "random_dit", "denoise", "time_strategies", "Result"]

# name: (num_layers, heads, head_dim, latent size)
PRESETS = {
    "tiny": (12, 2, 16, 8),
    "dit-s-28": (28, 6, 64, 16),     # DiT-S width, the paper's 28-block depth
    "pixart-alpha": (28, 16, 72, 16),  # PixArt-alpha / DiT-XL width (1152), small latent for CPU
}


def random_dit(preset: str = "dit-s-28", seed: int = 0):
    """A class-conditional ``DiTTransformer2DModel`` with random weights."""
    from diffusers import DiTTransformer2DModel

    layers, heads, dim, size = PRESETS[preset]
    torch.manual_seed(seed)
    return DiTTransformer2DModel(
        num_attention_heads=heads, attention_head_dim=dim, in_channels=4, out_channels=8, num_layers=layers,
        sample_size=size, patch_size=2, norm_type="ada_norm_zero", num_embeds_ada_norm=1000,
        activation_fn="gelu-approximate",
    ).eval()


def denoise(model, num_steps: int = 50, batch: int = 2, size: int | None = None, seed: int = 0, guidance: float = 4.0):
    """A DDIM loop with classifier-free guidance as one doubled batch, like ``DiTPipeline``."""
    from diffusers import DDIMScheduler

    cfg = getattr(model, "config", None) or model._orig_mod.config
    size = size or cfg.sample_size
    sched = DDIMScheduler()
    sched.set_timesteps(num_steps)
    g = torch.Generator().manual_seed(seed)
    latents = torch.randn(batch, cfg.in_channels, size, size, generator=g)
    labels = torch.randint(0, 1000, (batch,), generator=g)
    labels = torch.cat([labels, torch.full_like(labels, 1000)])
    with torch.no_grad():
        for t in sched.timesteps:
            x = torch.cat([latents, latents])
            out = model(x, timestep=t.expand(x.shape[0]), class_labels=labels, return_dict=False)[0]
            eps = out[:, : cfg.in_channels]
            cond, uncond = eps.chunk(2)
            eps = uncond + guidance * (cond - uncond)
            latents = sched.step(eps, t, latents).prev_sample
    return latents


@dataclass
class Result:
    name: str
    times: list
    compile_s: float
    output: torch.Tensor

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def time_strategies(strategies: dict[str, Callable[[], torch.Tensor]], repeats: int = 5) -> dict[str, Result]:
    """Run each strategy once to compile, then ``repeats`` times interleaved; median wall time."""
    results = {}
    for name, fn in strategies.items():
        t0 = time.perf_counter()
        out = fn()
        results[name] = Result(name, [], time.perf_counter() - t0, out)
    for _ in range(repeats):
        for name, fn in strategies.items():
            t0 = time.perf_counter()
            fn()
            results[name].times.append(time.perf_counter() - t0)
    return results

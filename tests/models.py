"""Tiny random-weight models used by the core tests (configs follow diffusers' own model tests)."""
from __future__ import annotations

import torch
from diffusers import DiTTransformer2DModel, PixArtTransformer2DModel


def tiny_dit(num_layers: int = 8, seed: int = 0) -> DiTTransformer2DModel:
    torch.manual_seed(seed)
    return DiTTransformer2DModel(
        in_channels=4, out_channels=8, activation_fn="gelu-approximate", num_attention_heads=2,
        attention_head_dim=8, num_layers=num_layers, norm_type="ada_norm_zero", num_embeds_ada_norm=1000,
        patch_size=2, sample_size=8,
    ).eval()


def tiny_pixart(num_layers: int = 8, seed: int = 0) -> PixArtTransformer2DModel:
    torch.manual_seed(seed)
    return PixArtTransformer2DModel(
        sample_size=8, num_layers=num_layers, patch_size=2, attention_head_dim=8, num_attention_heads=2,
        caption_channels=32, in_channels=4, cross_attention_dim=16, out_channels=8, attention_bias=True,
        activation_fn="gelu-approximate", num_embeds_ada_norm=1000, norm_type="ada_norm_single",
        norm_elementwise_affine=False, norm_eps=1e-6, use_additional_conditions=False,
    ).eval()


def dit_inputs(batch: int, t, size: int = 8, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return dict(hidden_states=torch.randn(batch, 4, size, size, generator=g),
                class_labels=torch.randint(0, 10, (batch,), generator=g),
                timestep=torch.full((batch,), int(t)), return_dict=False)


def pixart_inputs(batch: int, t, size: int = 8, seed: int = 0, text_len: int = 5) -> dict:
    g = torch.Generator().manual_seed(seed)
    return dict(hidden_states=torch.randn(batch, 4, size, size, generator=g),
                encoder_hidden_states=torch.randn(batch, text_len, 32, generator=g),
                timestep=torch.full((batch,), int(t)),
                added_cond_kwargs={"resolution": None, "aspect_ratio": None}, return_dict=False)


def timesteps(num_steps: int) -> list[int]:
    """DDIM-like descending timesteps."""
    return [int(x) for x in torch.linspace(999, 0, num_steps).round()]

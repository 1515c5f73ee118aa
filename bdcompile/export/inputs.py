"""Example inputs for a diffusers transformer, built from its ``forward`` signature and its config.

Covers the common text/class-conditioned image transformers (DiT, PixArt, SD3, Flux-style packed
tokens, Sana-like); anything else passes its own example kwargs (``--model module:factory``
returning ``(model, example_kwargs)``).
"""

from __future__ import annotations

import inspect

import torch

__all__ = ["example_inputs_for"]


def _cfg(model, *names, default=None):
    cfg = getattr(model, "config", None)
    for n in names:
        v = getattr(cfg, n, None) if cfg is not None else None
        if v is None and isinstance(cfg, dict):
            v = cfg.get(n)
        if v is not None:
            return v
    return default


def example_inputs_for(
    model,
    batch: int = 2,
    size: int | None = None,
    text_len: int = 8,
    timestep: float = 500.0,
    dtype: torch.dtype | None = None,
    device=None,
    seed: int = 0,
) -> dict:
    """Random example kwargs for ``model.forward`` (batch ``batch``, latent ``size`` x ``size``)."""
    params = inspect.signature(model.forward).parameters
    p = next(iter(model.parameters()))
    dtype = dtype or p.dtype
    device = device or p.device
    g = torch.Generator().manual_seed(seed)

    def randn(*shape):
        return torch.randn(*shape, generator=g).to(device=device, dtype=dtype)

    size = size or _cfg(model, "sample_size", default=32)
    if isinstance(size, (list, tuple)):
        size = size[0]
    in_ch = _cfg(model, "in_channels", default=4)
    kw: dict = {}
    if "img_ids" in params:  # Flux-style packed tokens: (B, tokens, channels) + position ids
        tokens = (size // 2) ** 2
        kw["hidden_states"] = randn(batch, tokens, in_ch)
        ids = torch.zeros(tokens, 3)
        ids[:, 1] = torch.arange(size // 2).repeat_interleave(size // 2)
        ids[:, 2] = torch.arange(size // 2).repeat(size // 2)
        kw["img_ids"] = ids.to(device=device, dtype=dtype)
        if "txt_ids" in params:
            kw["txt_ids"] = torch.zeros(text_len, 3, device=device, dtype=dtype)
    else:
        kw["hidden_states"] = randn(batch, in_ch, size, size)
    if "encoder_hidden_states" in params:
        dim = _cfg(model, "joint_attention_dim", "caption_channels", "cross_attention_dim", "text_embed_dim")
        if dim is None:
            raise ValueError(
                f"blockdance export: cannot tell the text embedding width of {type(model).__name__} "
                "from its config; pass example inputs (--model module:factory returning (model, kwargs))"
            )
        kw["encoder_hidden_states"] = randn(batch, text_len, dim)
    if "encoder_attention_mask" in params and "encoder_hidden_states" in kw:  # PixArt / Sana pipelines pass it
        kw["encoder_attention_mask"] = torch.ones(batch, text_len, device=device, dtype=dtype)
    if "pooled_projections" in params:
        kw["pooled_projections"] = randn(batch, _cfg(model, "pooled_projection_dim", default=768))
    if "timestep" in params:
        kw["timestep"] = torch.full((batch,), float(timestep), device=device, dtype=dtype)
        if "img_ids" in params:
            kw["timestep"] = kw["timestep"] / 1000.0
    if "guidance" in params and _cfg(model, "guidance_embeds", default=False):
        kw["guidance"] = torch.full((batch,), 3.5, device=device, dtype=dtype)
    if "class_labels" in params:
        n = _cfg(model, "num_embeds_ada_norm", default=1000)
        kw["class_labels"] = torch.randint(0, n, (batch,), generator=g).to(device)
    if "added_cond_kwargs" in params:
        if _cfg(model, "use_additional_conditions", default=False):
            kw["added_cond_kwargs"] = {
                "resolution": torch.tensor([[size * 8.0, size * 8.0]] * batch, device=device, dtype=dtype),
                "aspect_ratio": torch.tensor([[1.0]] * batch, device=device, dtype=dtype),
            }
        else:
            kw["added_cond_kwargs"] = {"resolution": None, "aspect_ratio": None}
    if "return_dict" in params:
        kw["return_dict"] = False
    return kw

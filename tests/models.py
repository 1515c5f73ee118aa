"""Tiny random-weight models used by the core tests (configs follow diffusers' own model tests)."""

from __future__ import annotations

import torch
from diffusers import DiTTransformer2DModel, PixArtTransformer2DModel


def tiny_dit(num_layers: int = 8, seed: int = 0) -> DiTTransformer2DModel:
    torch.manual_seed(seed)
    return DiTTransformer2DModel(
        in_channels=4,
        out_channels=8,
        activation_fn="gelu-approximate",
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=num_layers,
        norm_type="ada_norm_zero",
        num_embeds_ada_norm=1000,
        patch_size=2,
        sample_size=8,
    ).eval()


def tiny_pixart(num_layers: int = 8, seed: int = 0) -> PixArtTransformer2DModel:
    torch.manual_seed(seed)
    return PixArtTransformer2DModel(
        sample_size=8,
        num_layers=num_layers,
        patch_size=2,
        attention_head_dim=8,
        num_attention_heads=2,
        caption_channels=32,
        in_channels=4,
        cross_attention_dim=16,
        out_channels=8,
        attention_bias=True,
        activation_fn="gelu-approximate",
        num_embeds_ada_norm=1000,
        norm_type="ada_norm_single",
        norm_elementwise_affine=False,
        norm_eps=1e-6,
        use_additional_conditions=False,
    ).eval()


def dit_inputs(batch: int, t, size: int = 8, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return dict(
        hidden_states=torch.randn(batch, 4, size, size, generator=g),
        class_labels=torch.randint(0, 10, (batch,), generator=g),
        timestep=torch.full((batch,), int(t)),
        return_dict=False,
    )


def pixart_inputs(batch: int, t, size: int = 8, seed: int = 0, text_len: int = 5) -> dict:
    g = torch.Generator().manual_seed(seed)
    return dict(
        hidden_states=torch.randn(batch, 4, size, size, generator=g),
        encoder_hidden_states=torch.randn(batch, text_len, 32, generator=g),
        timestep=torch.full((batch,), int(t)),
        added_cond_kwargs={"resolution": None, "aspect_ratio": None},
        return_dict=False,
    )


def timesteps(num_steps: int) -> list[int]:
    """DDIM-like descending timesteps."""
    return [int(x) for x in torch.linspace(999, 0, num_steps).round()]


class _Block(torch.nn.Module):
    """Self-attention + cross-attention to the text + MLP, modulated by the timestep (adaLN)."""

    def __init__(self, dim: int):
        super().__init__()
        nn = torch.nn
        self.norm = nn.LayerNorm(dim, elementwise_affine=False)
        self.attn = nn.MultiheadAttention(dim, 2, batch_first=True)
        self.cross = nn.MultiheadAttention(dim, 2, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.ada = nn.Linear(dim, 2 * dim)

    def forward(self, x, text, temb):
        scale, shift = self.ada(temb).unsqueeze(1).chunk(2, dim=-1)
        h = self.norm(x) * (1 + scale) + shift
        x = x + self.attn(h, h, h, need_weights=False)[0]
        x = x + self.cross(self.norm(x), text, text, need_weights=False)[0]
        return x + self.mlp(self.norm(x))


class TinyTextDiT(torch.nn.Module):
    """A text-conditioned DiT small enough for thousands of calls in a test (about 0.3 ms a call):
    ``forward(hidden_states [B, 4, 4, 4], encoder_hidden_states [B, L, 8], timestep [B])``."""

    def __init__(self, dim: int = 16, depth: int = 4, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        nn = torch.nn
        self.proj_in = nn.Linear(4, dim)
        self.text = nn.Linear(8, dim)
        self.t = nn.Sequential(nn.Linear(1, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.blocks = nn.ModuleList([_Block(dim) for _ in range(depth)])
        self.proj_out = nn.Linear(dim, 4)
        self.eval()

    def forward(self, hidden_states, encoder_hidden_states, timestep):
        b, c, h, w = hidden_states.shape
        x = self.proj_in(hidden_states.flatten(2).transpose(1, 2))
        text = self.text(encoder_hidden_states)
        temb = self.t(timestep.float()[:, None] / 1000)
        for blk in self.blocks:
            x = blk(x, text, temb)
        return (self.proj_out(x).transpose(1, 2).reshape(b, c, h, w),)


def tiny_text_inputs(batch: int, t, seed: int = 0, text_len: int = 3) -> dict:
    g = torch.Generator().manual_seed(seed)
    return dict(
        hidden_states=torch.randn(batch, 4, 4, 4, generator=g),
        encoder_hidden_states=torch.randn(batch, text_len, 8, generator=g),
        timestep=torch.full((batch,), float(t)),
    )


def tiny_vae(latent_channels: int = 4):
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    return AutoencoderKL(
        block_out_channels=(8,),
        down_block_types=("DownEncoderBlock2D",),
        up_block_types=("UpDecoderBlock2D",),
        latent_channels=latent_channels,
        norm_num_groups=8,
        sample_size=8,
    ).eval()


def tiny_dit_pipeline(model=None):
    """A diffusers ``DiTPipeline`` (DDIM, CFG as one doubled batch) around a tiny DiT."""
    from diffusers import DDIMScheduler, DiTPipeline

    pipe = DiTPipeline(
        transformer=model if model is not None else tiny_dit(), vae=tiny_vae(), scheduler=DDIMScheduler()
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def tiny_flux(seed: int = 0, layers: int = 2, single_layers: int = 4):
    from diffusers import FluxTransformer2DModel

    torch.manual_seed(seed)
    return FluxTransformer2DModel(
        patch_size=1,
        in_channels=16,
        num_layers=layers,
        num_single_layers=single_layers,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        pooled_projection_dim=16,
        guidance_embeds=False,
        axes_dims_rope=[4, 4, 8],
    ).eval()


def tiny_flux_pipeline(transformer=None):
    """A diffusers ``FluxPipeline`` without text encoders (pass ``prompt_embeds``): 8x8 images, 16 tokens."""
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxPipeline

    pipe = FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=tiny_vae(),
        text_encoder=None,
        tokenizer=None,
        text_encoder_2=None,
        tokenizer_2=None,
        transformer=transformer if transformer is not None else tiny_flux(),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def flux_prompt(seed: int = 0, batch: int = 1, text_len: int = 6) -> dict:
    g = torch.Generator().manual_seed(seed)
    return dict(
        prompt_embeds=torch.randn(batch, text_len, 16, generator=g),
        pooled_prompt_embeds=torch.randn(batch, 16, generator=g),
    )


def tiny_sd3(seed: int = 0, num_layers: int = 4):
    """A two-stream MMDiT (joint blocks: image and text tokens, the last block image-only)."""
    from diffusers import SD3Transformer2DModel

    torch.manual_seed(seed)
    return SD3Transformer2DModel(
        sample_size=8,
        patch_size=1,
        in_channels=4,
        num_layers=num_layers,
        attention_head_dim=8,
        num_attention_heads=2,
        caption_projection_dim=16,
        joint_attention_dim=32,
        pooled_projection_dim=64,
        out_channels=4,
        pos_embed_max_size=16,
    ).eval()


def sd3_inputs(latents, t, slot: int = 0, text_len: int = 5) -> dict:
    g = torch.Generator().manual_seed(100 + slot)
    b = latents.shape[0]
    return dict(
        hidden_states=latents,
        encoder_hidden_states=torch.randn(b, text_len, 32, generator=g),
        pooled_projections=torch.randn(b, 64, generator=g),
        timestep=torch.full((b,), float(t)),
        return_dict=False,
    )


def flux_inputs(latents, t, seed: int = 0, text_len: int = 6) -> dict:
    """Direct inputs of ``tiny_flux`` (packed latents [B, 16, 16], ids for a 4x4 grid)."""
    g = torch.Generator().manual_seed(seed)
    b = latents.shape[0]
    img_ids = torch.stack(torch.meshgrid(torch.zeros(1), torch.arange(4.0), torch.arange(4.0), indexing="ij"), -1)
    return dict(
        hidden_states=latents,
        encoder_hidden_states=torch.randn(b, text_len, 16, generator=g),
        pooled_projections=torch.randn(b, 16, generator=g),
        timestep=torch.full((b,), float(t) / 1000),
        img_ids=img_ids.reshape(-1, 3),
        txt_ids=torch.zeros(text_len, 3),
        return_dict=False,
    )

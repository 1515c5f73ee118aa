"""The pixel-space stand-in for a VAE shared by the embedded models: ``decode(z).sample == z``.

``DiTPipeline`` reads ``config.scaling_factor``; ``StableDiffusion3Pipeline`` also reads
``config.block_out_channels`` (``vae_scale_factor = 2 ** (len(block_out_channels) - 1)``, here 1: latent
size == image size), ``shift_factor`` and decodes ``latents / scaling_factor + shift_factor`` (here the
latents themselves).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def identity_vae():
    from diffusers import ModelMixin
    from diffusers.configuration_utils import ConfigMixin, register_to_config

    class IdentityVAE(ModelMixin, ConfigMixin):
        @register_to_config
        def __init__(
            self,
            scaling_factor: float = 1.0,
            shift_factor: float = 0.0,
            block_out_channels=(1,),
            latent_channels: int = 1,
        ):
            super().__init__()
            self.register_buffer("anchor", torch.zeros(1), persistent=False)  # gives the module a device/dtype

        def decode(self, z, return_dict=True):
            return _Decoded(z) if return_dict else (z,)

    return IdentityVAE()


@dataclass
class _Decoded:
    sample: torch.Tensor


def decode(latents: torch.Tensor) -> torch.Tensor:
    """Latents in [-1, 1] -> images in [0, 1], as the pipelines post-process them (identity VAE)."""
    return (latents / 2 + 0.5).clamp(0, 1)

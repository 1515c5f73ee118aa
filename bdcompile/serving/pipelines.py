"""Whole-generation pipelines served next to the per-step ``denoise`` model.

The model-specific part of serving lives here and is small: what one request carries, how the
requests of one dynamic batch merge into one generation, the denoising loop (the zoo's own), and how
the outputs split back. Both embedded models are class-conditional: class labels and noise seeds in,
images in [0, 1] out.

``mnist``   the embedded MMDiT (``bdcompile/zoo/mnist_mmdit.py``): 28x28 images, flow-matching Euler
            with CFG (``sampling.denoise``, equal to the stock ``StableDiffusion3Pipeline``)
``digits``  the first embedded DiT (``bdcompile/zoo/digits.py``): 8x8 images, DDIM with CFG

    model = bdcompile.export.load("out/mnist")
    images = MNIST.generate(model, {"labels": torch.tensor([3, 7]), "seeds": torch.tensor([0, 1])})["IMAGE"]

A new embedded model adds one small subclass of :class:`ClassConditionalPipeline` here.
"""

from __future__ import annotations

import json

import torch

__all__ = [
    "ClassConditionalPipeline",
    "DigitsPipeline",
    "MnistPipeline",
    "DIGITS",
    "MNIST",
    "get_pipeline",
    "digits",
    "mnist",
    "matches",
]


class ClassConditionalPipeline:
    """Class labels (``LABEL`` int64 [n, 1]) and seeds (``SEED`` int64 [n, 1]) -> ``IMAGE`` fp32 [n, 1, S, S].

    One seed per image: the noise of image i is ``torch.randn(1, 1, S, S, generator=manual_seed(seed_i))``,
    what the in-process pipeline draws for one image with that generator."""

    name = ""
    zoo_module = ""  # bdcompile.zoo.<module>
    model_class = ""  # the exported transformer's class name
    image_size = 0
    num_classes = 10

    @property
    def inputs(self):
        return [("LABEL", "TYPE_INT64", [1]), ("SEED", "TYPE_INT64", [1])]

    @property
    def outputs(self):
        return [("IMAGE", "TYPE_FP32", [1, self.image_size, self.image_size])]

    def zoo(self):
        import importlib

        return importlib.import_module(f"bdcompile.zoo.{self.zoo_module}")

    def config(self) -> dict:
        raise NotImplementedError

    def request_inputs(self, model, request) -> dict:
        labels = model._tensor(request, "LABEL")
        seeds = model._tensor(request, "SEED")
        if labels is None or seeds is None:
            raise ValueError(f"the {self.name} pipeline needs LABEL and SEED (int64, shape [n, 1])")
        labels, seeds = labels.reshape(-1).long(), seeds.reshape(-1).long()
        if labels.shape != seeds.shape:
            raise ValueError(f"LABEL has {labels.numel()} items and SEED {seeds.numel()}: one seed per label")
        if ((labels < 0) | (labels >= self.num_classes)).any():
            raise ValueError(f"LABEL must be digits 0-{self.num_classes - 1}; got {labels.tolist()}")
        return {"labels": labels, "seeds": seeds}

    def merge(self, items: list[dict]) -> dict:
        return {k: torch.cat([x[k] for x in items]) for k in ("labels", "seeds")}

    def split(self, outputs: dict, items: list[dict]) -> list[dict]:
        sizes = [x["labels"].numel() for x in items]
        return [{"IMAGE": img} for img in outputs["IMAGE"].split(sizes)]

    def noise(self, seeds) -> torch.Tensor:
        s = self.image_size
        return torch.cat([torch.randn(1, 1, s, s, generator=torch.Generator().manual_seed(int(k))) for k in seeds])

    def generate(self, model, inputs: dict, num_steps: int = 20, guidance_scale: float = 3.0) -> dict:
        """One generation for the whole batch (CFG as a doubled batch), ``model`` a transformer-like callable."""
        images = self.zoo().sample_from_noise(
            model, self.noise(inputs["seeds"]), inputs["labels"], num_steps=num_steps, guidance_scale=guidance_scale
        )
        return {"IMAGE": images.float()}

    def matches(self, manifest: dict) -> bool:
        """True when the export is this pipeline's model (class and config)."""
        cfg = manifest.get("model", {}).get("config") or {}
        want = json.loads(json.dumps(self.config()))  # tuples as lists, as in the manifest
        return manifest.get("model", {}).get("class", "").endswith(self.model_class) and all(
            cfg.get(k) == v for k, v in want.items()
        )


class DigitsPipeline(ClassConditionalPipeline):
    """The embedded digits DiT: ``IMAGE`` [n, 1, 8, 8], 20 DDIM steps with CFG (``zoo.digits.sample_from_noise``)."""

    name = "digits"
    zoo_module = "digits"
    model_class = "DiTTransformer2DModel"
    image_size = 8

    def config(self) -> dict:
        from ..zoo.digits import DIT_CONFIG

        return DIT_CONFIG


class MnistPipeline(ClassConditionalPipeline):
    """The embedded MNIST MMDiT: ``IMAGE`` [n, 1, 28, 28], flow-matching Euler with CFG
    (``zoo.mnist_mmdit.sample_from_noise``: the ``StableDiffusion3Pipeline`` loop, label table as prompt
    embeddings). Image i equals ``mnist_mmdit.sample(transformer, [label_i],
    generator=torch.Generator().manual_seed(seed_i))``."""

    name = "mnist"
    zoo_module = "mnist_mmdit"
    model_class = "SD3Transformer2DModel"
    image_size = 28

    def config(self) -> dict:
        from ..zoo.mnist_mmdit import MMDIT_CONFIG

        return MMDIT_CONFIG


DIGITS = DigitsPipeline()
MNIST = MnistPipeline()
_PIPELINES = {"mnist": MNIST, "digits": DIGITS}


def get_pipeline(name: str, manifest: dict | None = None):
    if name not in _PIPELINES:
        raise ValueError(f"bdcompile serving: unknown pipeline {name!r}; pipelines: {sorted(_PIPELINES)}")
    return _PIPELINES[name]


def matches(manifest: dict) -> list[str]:
    """Pipelines that fit an export (by the exported model's class and config)."""
    return [name for name, pipe in _PIPELINES.items() if pipe.matches(manifest)]


def digits():
    """``bdcompile export --model bdcompile.serving.pipelines:digits``: the trained embedded model and
    example inputs (batch 2 = one image with CFG)."""
    from ..export.inputs import example_inputs_for
    from ..zoo import digits as zoo

    model = zoo.load_transformer()
    return model, example_inputs_for(model, batch=2)


def mnist():
    """``bdcompile export --model bdcompile.serving.pipelines:mnist`` (the same as ``--model mnist``): the trained
    embedded MMDiT and example inputs (batch 2 = one image with CFG, 4 prompt tokens)."""
    from ..export.inputs import example_inputs_for
    from ..zoo import mnist_mmdit as zoo

    model = zoo.load_transformer()
    return model, example_inputs_for(model, batch=2, text_len=zoo.PROMPT_TOKENS)

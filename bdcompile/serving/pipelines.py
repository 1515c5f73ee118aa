"""Whole-generation pipelines served next to the per-step ``denoise`` model.

The model-specific part of serving lives here and is small: what one request carries, how the
requests of one dynamic batch merge into one generation, the denoising loop (the zoo's own), and how
the outputs split back. ``digits``: the embedded DiT (``bdcompile/zoo/digits.py``), class labels and
noise seeds in, 8x8 images in [0, 1] out. A new embedded model (e.g. an MMDiT) adds one class here.

    model = bdcompile.export.load("out/digits")
    images = DIGITS.generate(model, {"labels": torch.tensor([3, 7]), "seeds": torch.tensor([0, 1])})["IMAGE"]
"""
from __future__ import annotations

import torch

__all__ = ["DigitsPipeline", "DIGITS", "get_pipeline", "digits", "matches"]


class DigitsPipeline:
    """Class labels (``LABEL`` int64 [n, 1]) and seeds (``SEED`` int64 [n, 1]) -> ``IMAGE`` fp32 [n, 1, 8, 8]."""

    name = "digits"
    inputs = [("LABEL", "TYPE_INT64", [1]), ("SEED", "TYPE_INT64", [1])]
    outputs = [("IMAGE", "TYPE_FP32", [1, 8, 8])]

    def request_inputs(self, model, request) -> dict:
        labels = model._tensor(request, "LABEL")
        seeds = model._tensor(request, "SEED")
        if labels is None or seeds is None:
            raise ValueError("the digits pipeline needs LABEL and SEED (int64, shape [n, 1])")
        labels, seeds = labels.reshape(-1).long(), seeds.reshape(-1).long()
        if labels.shape != seeds.shape:
            raise ValueError(f"LABEL has {labels.numel()} items and SEED {seeds.numel()}: one seed per label")
        if ((labels < 0) | (labels > 9)).any():
            raise ValueError(f"LABEL must be digits 0-9; got {labels.tolist()}")
        return {"labels": labels, "seeds": seeds}

    def merge(self, items: list[dict]) -> dict:
        return {k: torch.cat([x[k] for x in items]) for k in ("labels", "seeds")}

    def split(self, outputs: dict, items: list[dict]) -> list[dict]:
        sizes = [x["labels"].numel() for x in items]
        return [{"IMAGE": img} for img in outputs["IMAGE"].split(sizes)]

    @staticmethod
    def noise(seeds) -> torch.Tensor:
        """The noise ``zoo.digits.sample(m, [label], generator=torch.Generator().manual_seed(seed))`` draws."""
        return torch.cat([torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(int(s))) for s in seeds])

    def generate(self, model, inputs: dict, num_steps: int = 20, guidance_scale: float = 3.0) -> dict:
        """One generation for the whole batch (CFG as a doubled batch, DDIM), ``model`` a transformer-like callable."""
        from ..zoo import digits as zoo

        images = zoo.sample_from_noise(model, self.noise(inputs["seeds"]), inputs["labels"], num_steps=num_steps,
                                       guidance_scale=guidance_scale)
        return {"IMAGE": images.float()}


DIGITS = DigitsPipeline()
_PIPELINES = {"digits": DIGITS}


def get_pipeline(name: str, manifest: dict | None = None):
    if name not in _PIPELINES:
        raise ValueError(f"bdcompile serving: unknown pipeline {name!r}; pipelines: {sorted(_PIPELINES)}")
    return _PIPELINES[name]


def matches(manifest: dict) -> list[str]:
    """Pipelines that fit an export (by the exported model's config)."""
    from ..zoo.digits import DIT_CONFIG

    cfg = manifest.get("model", {}).get("config") or {}
    found = []
    if all(cfg.get(k) == v for k, v in DIT_CONFIG.items()) and manifest["model"]["class"].endswith("DiTTransformer2DModel"):
        found.append("digits")
    return found


def digits():
    """``bdcompile export --model bdcompile.serving.pipelines:digits``: the trained embedded model and
    example inputs (batch 2 = one image with CFG)."""
    from ..export.inputs import example_inputs_for
    from ..zoo import digits as zoo

    model = zoo.load_transformer()
    return model, example_inputs_for(model, batch=2)

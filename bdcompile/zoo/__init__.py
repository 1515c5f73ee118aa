"""Models that ship with bdcompile (trained here, committed as safetensors), by name.

    from bdcompile import zoo
    M = zoo.embedded("mnist")   # load_transformer, load_classifier, sample, sample_from_noise, real_digits, ...

Every embedded model's module has the same functions, so commands take any of them by name
(``--model digits``). No torch import here: the CLI's ``--help`` lists the names without it.
"""

from __future__ import annotations

import importlib

# name -> (module in this package, one line for --help)
EMBEDDED = {
    "mnist": (
        "mnist_mmdit",
        "class-conditional MMDiT (SD3Transformer2DModel, 12 joint blocks) on 28x28 MNIST, "
        "flow matching, StableDiffusion3Pipeline",
    ),
    "digits": ("digits", "the first embedded model: class-conditional DiT (12 blocks) on sklearn's 8x8 digits, DDIM"),
}
DEFAULT_MODEL = "mnist"

__all__ = ["EMBEDDED", "DEFAULT_MODEL", "embedded"]


def embedded(name: str):
    """The module of the embedded model ``name``."""
    if name not in EMBEDDED:
        raise ValueError(f"bdcompile: no embedded model {name!r}; embedded models: {', '.join(EMBEDDED)}")
    return importlib.import_module(f"{__name__}.{EMBEDDED[name][0]}")

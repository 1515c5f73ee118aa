"""The demo: an embedded model, uncached vs ``backend="blockdance"``, timed side by side, and a labelled PNG.

``bdcompile demo`` (:mod:`bdcompile.commands.demo`) prints :func:`run`'s result and writes :func:`save_png`.
"""

from __future__ import annotations

import torch

from . import timing
from .workloads import Workload

__all__ = ["run", "psnr_per_class", "save_png"]


def run(w: Workload, repeats: int = 3, progress: bool = True) -> dict:
    """The uncached reference (eager), then ``backend="inductor"`` and ``backend="blockdance"`` timed in
    interleaved rounds; returns the images, the timings and ``bdcompile.explain``'s report."""
    from . import explain

    model = w.make_model()
    with timing.stage(f"uncached reference: one eager generation of {w.batch} images", progress) as st:
        ref = w.generate(model)
    base = torch.compile(model, backend="inductor")
    bd = torch.compile(model, backend="blockdance", options={"num_steps": w.steps})
    with timing.show_compiles():
        runs = timing.time_interleaved(
            {"inductor": lambda: w.generate(base), "blockdance": lambda: w.generate(bd)},
            repeats=repeats,
            progress=progress,
            desc="demo: timed rounds",
        )
    return dict(
        ref=ref, cached=runs["blockdance"].output, eager_s=st.elapsed, runs=runs, info=explain(bd, num_steps=w.steps)
    )


def psnr_per_class(ref: torch.Tensor, cached: torch.Tensor, labels: torch.Tensor) -> dict[int, float]:
    from .metrics import psnr

    return {int(c): psnr(cached[labels == c], ref[labels == c]) for c in labels.unique()}


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: a fixed bitmap font
        return ImageFont.load_default()


def save_png(
    path,
    ref: torch.Tensor,
    cached: torch.Tensor,
    labels: torch.Tensor,
    titles=("uncached", "blockdance"),
    cell: int = 72,
) -> str:
    """``uncached | blockdance`` side by side: one column per class (its digit on top), one row per sample,
    images upscaled to about ``cell`` pixels, and each blockdance column's PSNR to the uncached one below it."""
    import numpy as np
    from PIL import Image, ImageDraw

    classes = [int(c) for c in labels.unique()]
    per = max(int((labels == c).sum()) for c in classes)
    h = ref.shape[-1]
    scale = max(1, round(cell / h))
    px = h * scale
    pad, gap, head, foot, title = 4, 24, 22, 22, 26
    panel_w = len(classes) * (px + pad) + pad
    width = 2 * panel_w + gap
    height = title + head + per * (px + pad) + pad + foot
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    f_title, f_small = _font(16), _font(13)
    scores = psnr_per_class(ref, cached, labels)
    for p, (images, name) in enumerate(((ref, titles[0]), (cached, titles[1]))):
        x0 = p * (panel_w + gap)
        draw.text((x0 + pad, 4), name, fill=0, font=f_title)
        for j, c in enumerate(classes):
            cx = x0 + pad + j * (px + pad)
            draw.text((cx + px // 2, title + head // 2), f"{c}", fill=0, font=f_small, anchor="mm")
            for i, k in enumerate(torch.nonzero(labels == c).flatten().tolist()):
                a = (images[k, 0].clamp(0, 1).numpy() * 255).astype(np.uint8)
                tile = Image.fromarray(a).resize((px, px), Image.NEAREST)
                img.paste(tile, (cx, title + head + i * (px + pad)))
            if p == 1:
                s = scores[c]
                text = "inf dB" if s == float("inf") else f"{s:.1f} dB"
                draw.text((cx + px // 2, height - foot // 2), text, fill=0, font=f_small, anchor="mm")
    draw.text((pad, height - foot // 2), "class on top; PSNR to uncached below", fill=110, font=f_small, anchor="lm")
    img.save(path)
    return str(path)

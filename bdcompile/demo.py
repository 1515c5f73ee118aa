"""``bdcompile demo``: digits from the embedded DiT, uncached vs ``backend="blockdance"``, side by side."""
from __future__ import annotations

import time

import torch


def _grid(images: torch.Tensor, rows: int) -> torch.Tensor:
    b, c, h, w = images.shape
    cols = b // rows
    return images[: rows * cols].reshape(rows, cols, c, h, w).permute(2, 0, 3, 1, 4).reshape(c, rows * h, cols * w)


def run_demo(out: str = "bdcompile_demo.png", steps: int = 30, per_class: int = 2) -> int:
    import bdcompile
    from .metrics import class_accuracy, psnr, ssim
    from .zoo import digits as zoo

    torch.manual_seed(0)
    labels = torch.arange(10).repeat(per_class)
    model = zoo.load_transformer()
    clf = zoo.load_classifier()
    gen = lambda m: zoo.sample(m, labels=labels, num_steps=steps, generator=torch.Generator().manual_seed(0))  # noqa: E731

    print(f"embedded digits DiT: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters, "
          f"{len(model.transformer_blocks)} blocks; {len(labels)} digits, {steps} DDIM steps with CFG")
    t0 = time.perf_counter()
    ref = gen(model)
    eager_s = time.perf_counter() - t0

    base = torch.compile(model, backend="inductor")
    bd = torch.compile(model, backend="blockdance", options={"num_steps": steps})
    t0 = time.perf_counter()
    gen(base), gen(bd)
    compile_s = time.perf_counter() - t0
    times = {"inductor": [], "blockdance": []}
    for _ in range(2):
        for name, m in (("inductor", base), ("blockdance", bd)):
            t0 = time.perf_counter()
            img = gen(m)
            times[name].append(time.perf_counter() - t0)
            if name == "blockdance":
                cached = img
    t_ind, t_bd = min(times["inductor"]), min(times["blockdance"])
    info = bdcompile.explain(bd, num_steps=steps)
    n = len(labels)
    print(str(info).split("\n")[:6][-1] if False else "\n".join(str(info).splitlines()[:6]))
    print(f"time per image: eager {eager_s / n * 1000:.1f} ms, inductor {t_ind / n * 1000:.1f} ms, "
          f"blockdance {t_bd / n * 1000:.1f} ms  (compile of both: {compile_s:.0f} s)")
    print(f"speedup of blockdance over inductor: {t_ind / t_bd:.2f}x (theoretical {info['theoretical_speedup']:.2f}x)")
    print(f"blockdance vs uncached: PSNR {psnr(cached, ref):.1f} dB, SSIM {ssim(cached, ref):.3f}")
    print(f"class accuracy (embedded classifier): uncached {class_accuracy(clf, ref, labels):.1%}, "
          f"blockdance {class_accuracy(clf, cached, labels):.1%}")
    _save(out, ref, cached, rows=per_class)
    print(f"wrote {out} (left: uncached, right: blockdance)")
    return 0


def _save(path, ref, cached, rows):
    import numpy as np
    from PIL import Image

    left, right = _grid(ref, rows), _grid(cached, rows)
    gap = torch.ones(left.shape[0], left.shape[1], 4)
    img = torch.cat([left, gap, right], dim=2)[0].clamp(0, 1)
    arr = (img.numpy() * 255).astype(np.uint8)
    Image.fromarray(arr).resize((arr.shape[1] * 4, arr.shape[0] * 4), Image.NEAREST).save(path)

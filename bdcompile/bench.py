"""Speed and quality of every strategy on one workload, side by side in one process.

Strategies: eager (uncached, the quality reference), ``inductor`` (the speed reference), one
``blockdance`` per schedule, the committed Ada policy where the model has one, and diffusers' own cache
hooks as peers where they apply. Timed with :mod:`bdcompile.timing` (interleaved rounds, spread,
warnings on a busy machine). Quality is measured against the eager output of the same seeds:
PSNR/SSIM always, class accuracy and the Fréchet distance on classifier features (an FID analogue)
on the embedded models. ``bdcompile bench`` (:mod:`bdcompile.commands.bench`) prints and writes it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from . import timing
from .workloads import Workload

__all__ = ["DEFAULT_SCHEDULES", "parse_schedule", "strategies", "compare", "COLUMNS", "table", "scatter"]

DEFAULT_SCHEDULES = ["", "interval=3", "reuse=forecast,interval=3", "warmup=0.25,interval=2"]


def parse_schedule(text: str) -> dict:
    """``"boundary=9,interval=2"`` -> ``{"boundary": 9, "interval": 2}`` (ints, floats, else strings)."""
    out = {}
    for part in filter(None, (text or "").split(",")):
        if "=" not in part:
            raise ValueError(f"bench: a schedule is key=value,...; got {part!r} in {text!r}")
        k, v = part.split("=", 1)
        v = v.strip()
        out[k.strip()] = int(v) if v.lstrip("-").isdigit() else float(v) if v.replace(".", "", 1).isdigit() else v
    return out


def _peers(w: Workload) -> dict:
    """diffusers' cache hooks on the uncompiled model (how they are used): name -> (model, None)."""
    out = {}
    try:
        from diffusers.hooks import (
            FirstBlockCacheConfig,
            TaylorSeerCacheConfig,
            apply_first_block_cache,
            apply_taylorseer_cache,
        )
    except ImportError:
        return out
    taylor = TaylorSeerCacheConfig(
        cache_interval=3, disable_cache_before_step=int(0.4 * w.steps), max_order=1, taylor_factors_dtype=torch.float32
    )
    for name, apply in (
        (
            "diffusers FirstBlockCache(0.05)",
            lambda m: apply_first_block_cache(m, FirstBlockCacheConfig(threshold=0.05)),
        ),
        ("diffusers TaylorSeer(N=3)", lambda m: apply_taylorseer_cache(m, taylor)),
    ):
        m = w.make_model()
        try:
            apply(m)
            w.generate(m)
        except Exception as e:  # a peer that does not support this model is reported, not fatal
            warnings.warn(f"bench: peer {name} skipped: {type(e).__name__}: {str(e)[:200]}", stacklevel=2)
            continue
        out[name] = (m, None)
    return out


def strategies(w: Workload, schedules=None, peers: bool = True) -> dict:
    """name -> (callable model, blockdance options or None) for ``w``."""
    base = w.make_model()
    out = {"eager": (base, None), "inductor": (torch.compile(base, backend="inductor"), None)}
    for text in DEFAULT_SCHEDULES if schedules is None else schedules:
        opts = dict(num_steps=w.steps, **parse_schedule(text))
        out[f"blockdance({text or 'paper'})"] = (torch.compile(base, backend="blockdance", options=opts), opts)
    policy_file = getattr(w.module, "ADA_POLICY", None)
    if policy_file is not None and Path(policy_file).exists():
        from .ada import policy_option

        plan = policy_option(policy_file)  # the policy's record says which inputs it reads
        meta = plan.meta
        if meta["num_steps"] == w.steps:
            opts = dict(num_steps=w.steps, boundary=meta["boundary"], policy=plan, policy_start=meta["start"] / w.steps)
            out["blockdance(ada)"] = (torch.compile(base, backend="blockdance", options=opts), opts)
        else:
            warnings.warn(
                f"bench: the Ada policy was trained for {meta['num_steps']} steps; run with "
                f"--steps {meta['num_steps']} to include it",
                stacklevel=2,
            )
    if peers:
        out.update(_peers(w))
    return out


def compare(w: Workload, strats: dict, repeats: int = 3, progress: bool = True) -> tuple[list[dict], dict]:
    """Time every strategy (first run apart, then ``repeats`` interleaved rounds) and measure its quality
    against eager; returns (rows, name -> :class:`~bdcompile.timing.Timing`)."""
    from . import explain
    from .metrics import class_accuracy, frechet_distance, psnr, ssim
    from .schedules import plan_string

    with timing.show_compiles():
        runs = timing.time_interleaved(
            {name: (lambda m=m: w.generate(m)) for name, (m, _) in strats.items()},
            repeats=repeats,
            progress=progress,
            desc=f"bench {w.name}",
        )
    ref = runs["eager"].output
    clf = w.module.load_classifier() if w.embedded else None
    real = clf.features(w.module.real_digits(400, split="test")[0]).detach() if w.embedded else None
    rows = []
    for name, (m, opts) in strats.items():
        t = runs[name]
        ratio = timing.speedup(runs["inductor"], t)
        r = {
            "strategy": name,
            "median_s": t.median,
            "min_s": t.min,
            "max_s": t.max,
            "spread": t.spread,
            "speedup_vs_inductor": ratio.median,
            "speedup_lo": ratio.lo,
            "speedup_hi": ratio.hi,
            "compile_s": t.compile_s,
            "theoretical": 1.0,
        }
        if opts is not None:
            info = explain(m, num_steps=w.steps)
            r["theoretical"] = info["theoretical_speedup"]
            r["plan"] = plan_string(info["plan"])
            r["cache_mb"] = (
                sum(torch.Size(c["shape"]).numel() * 4 if c["shape"] else 0 for c in info["graphs"][-1]["cut"]) / 2**20
            )
        out = t.output
        x, y = (out, ref) if w.embedded else (_to_unit(out, ref), _to_unit(ref, ref))
        r["psnr_db"] = psnr(x, y)
        r["ssim"] = ssim(x, y) if x.dim() == 4 else float("nan")
        if w.embedded:
            r["class_acc"] = class_accuracy(clf, out, w.labels)
            r["fid_digits"] = frechet_distance(clf.features(out).detach(), real)
        rows.append(r)
    return rows, runs


COLUMNS = [
    "strategy",
    "median_s",
    "spread",
    "speedup_vs_inductor",
    "theoretical",
    "compile_s",
    "psnr_db",
    "ssim",
    "class_acc",
    "fid_digits",
    "cache_mb",
]


HEADERS = {
    "median_s": "median s",
    "spread": "spread",
    "speedup_vs_inductor": "vs inductor [range]",
    "theoretical": "theoretical",
    "compile_s": "compile s",
    "psnr_db": "PSNR dB",
    "ssim": "SSIM",
    "class_acc": "class acc",
    "fid_digits": "FD digits",
    "cache_mb": "cache MB",
}


def table(rows: list[dict]) -> str:
    """The rows as an aligned text table (one line per strategy)."""
    cols = [c for c in COLUMNS[1:] if any(c in r for r in rows)]
    first = max(len("strategy"), *(len(r["strategy"]) for r in rows))
    width = {c: 22 if c == "speedup_vs_inductor" else 12 for c in cols}
    lines = [f"{'strategy':<{first}}" + "".join(f"{HEADERS[c]:>{width[c]}}" for c in cols)]
    for r in rows:
        cells = [f"{r['strategy']:<{first}}"]
        for c in cols:
            v = r.get(c)
            if not isinstance(v, float):
                text = "-"
            elif c == "speedup_vs_inductor":
                rng = f" [{r['speedup_lo']:.2f}-{r['speedup_hi']:.2f}]" if r["speedup_hi"] > r["speedup_lo"] else ""
                text = f"{v:.2f}x{rng}"
            elif c == "spread":
                text = f"{v:.0%}"
            else:
                text = f"{v:.3f}"
            cells.append(f"{text:>{width[c]}}")
        lines.append("".join(cells))
    return "\n".join(lines)


def _to_unit(x, ref):
    lo, hi = ref.min(), ref.max()
    return ((x - lo) / (hi - lo)).clamp(0, 1)


def scatter(rows: list[dict], path, title: str = "speed vs quality") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in rows:
        if r["strategy"] == "eager":
            continue
        q = min(r["psnr_db"], 60.0)
        s = r["speedup_vs_inductor"]
        ax.errorbar(s, q, xerr=[[s - r["speedup_lo"]], [r["speedup_hi"] - s]], fmt="o", ms=5, capsize=2)
        ax.annotate(r["strategy"], (s, q), fontsize=7, xytext=(4, 2), textcoords="offset points")
    ax.set_xlabel("speedup over backend='inductor' (median of rounds; bars: min-max)")
    ax.set_ylabel("PSNR vs uncached output, dB (capped at 60)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

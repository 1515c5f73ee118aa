"""Quality against reuse for families of schedules on an embedded model (``bdcompile tradeoff``,
:mod:`bdcompile.commands.tradeoff`, prints and writes it).

Families, each a curve:
- ``static``: BlockDance's static schedule with plain reuse, interval N = 2..6 (and warm-up variants);
- ``forecast-k``: the same windows, skipped steps fed by an order-k extrapolation (TaylorSeer-style);
- ``ada``: BlockDance-Ada policies, one point per trained policy (a lambda sweep).

Samples are generated with the model's pipeline loop (``sample_from_noise`` of its zoo module:
:func:`bdcompile.sampling.denoise`, classifier-free guidance as one doubled batch) through
``torch.compile(backend="blockdance")``, from the same noise for every strategy; static and forecast
plans run as one batch, Ada runs every sample as its own generation (per-instance plans).  The noise
seeds are disjoint from the ones the policies were trained on (training uses seeds below 10**6; these
start at 10**7).
Reuse is counted from the dispatcher's own log (``bdcompile.explain``), not from the schedule.
Quality is measured against the uncached output of the same seed (PSNR, SSIM) and with the
embedded classifier (confidence for the requested class, accuracy, Fréchet distance of its
features to real held-out digits).  ``--time`` adds wall-clock ratios over ``backend="inductor"``
for one configuration per family, measured side by side in the same run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from . import timing, zoo

EVAL_SEED0 = 10**7


@dataclass
class Strategy:
    name: str
    family: str  # "static", "forecast-1", "forecast-2", "ada"
    options: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


def default_strategies(
    steps: int, policies=(), intervals=(2, 3, 4, 6), orders=(1, 2), warmups=(0.3, 0.5), stops=(0.95, 1.0)
) -> list[Strategy]:
    """The static family over ``intervals`` x warm-ups (0.4 and ``warmups``) x ``stops``, the forecast family
    over ``intervals`` (the paper's window), and one Ada per policy file."""
    out = []
    for w in (0.4, *warmups):
        for stop in stops:
            for n in intervals:
                name = (
                    f"static N={n}"
                    + ("" if w == 0.4 else f" warmup={w:g}")
                    + ("" if stop == 0.95 else f" stop={stop:g}")
                )
                out.append(
                    Strategy(
                        name,
                        "static",
                        dict(num_steps=steps, interval=n, warmup=w, stop=stop),
                        {"interval": n, "warmup": w, "stop": stop},
                    )
                )
    for k in orders:
        for n in intervals:
            out.append(
                Strategy(
                    f"forecast-{k} N={n}",
                    f"forecast-{k}",
                    dict(num_steps=steps, interval=n, reuse="forecast", order=k),
                    {"interval": n, "order": k},
                )
            )
    for path in policies:
        out.append(ada_strategy(path, steps))
    return out


def ada_strategy(path, steps: int) -> Strategy:
    from .ada import policy_option

    plan = policy_option(path)  # the policy's record says which inputs it reads
    meta = plan.meta
    if meta["num_steps"] != steps:
        raise ValueError(
            f"tradeoff: the policy {path} was trained for {meta['num_steps']} steps; run with "
            f"--steps {meta['num_steps']}"
        )
    opts = dict(num_steps=steps, boundary=meta["boundary"], policy=plan, policy_start=meta["start"] / steps)
    name = f"ada lam={meta['lam']:g}"
    if meta.get("quality", "ssim") != "ssim":
        name += f" {meta['quality']} reward"
    if meta.get("init", "static") != "static":
        name += f" {meta['init']} init"
    if len(meta.get("classes", range(10))) != 10:
        name += " classes " + ",".join(map(str, meta["classes"]))
    return Strategy(
        name, "ada", opts, {"lam": meta["lam"], "classes": meta.get("classes", list(range(10))), "path": str(path)}
    )


def eval_set(n: int, size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` held-out samples: labels (classes in turn) and noise [n, 1, size, size], sample ``i`` drawn exactly
    as the model's pipeline draws it for a batch-1 call with
    ``generator=torch.Generator().manual_seed(EVAL_SEED0 + i)``."""
    labels = torch.arange(n) % 10
    noise = torch.cat(
        [torch.randn(1, 1, size, size, generator=torch.Generator().manual_seed(EVAL_SEED0 + i)) for i in range(n)]
    )
    return labels, noise


def generate(model, labels, noise, steps: int, per_sample: bool, module=None) -> torch.Tensor:
    """Digits for ``labels`` from ``noise``: one batched generation, or (``per_sample``) one generation
    per sample, as per-instance plans need. ``module``: the zoo module (default: digits)."""
    m = module if module is not None else zoo.embedded("digits")
    if not per_sample:
        return m.sample_from_noise(model, noise, labels, steps)
    return torch.cat(
        [m.sample_from_noise(model, noise[i : i + 1], labels[i : i + 1], steps) for i in range(len(labels))]
    )


def default_policies(model: str) -> list:
    """The committed Ada policy of an embedded model, if it has one."""
    path = getattr(zoo.embedded(model), "ADA_POLICY", None)
    return [path] if path is not None and path.exists() else []


@torch.no_grad()
def evaluate(
    strategies: list[Strategy], n: int, steps: int, inner: str = "eager", progress: bool = True, model: str = "digits"
) -> list[dict]:
    """Quality and reuse of each strategy on the ``n`` held-out samples (plus the uncached reference).
    Static and forecast plans are the same for every sample and run as one batch; Ada runs each
    sample as its own generation (its plan is per instance)."""
    from tqdm import tqdm

    from . import explain
    from .metrics import frechet_distance, psnr, ssim_per_image
    from .schedules import FULL, block_evaluations, plan_string

    m = zoo.embedded(model)
    torch._dynamo.reset()
    transformer = m.load_transformer()
    clf = m.load_classifier()
    real = clf.features(m.real_digits(None, split="test")[0])
    labels, noise = eval_set(n, m.IMAGE_SIZE)
    ref = generate(transformer, labels, noise, steps, per_sample=False, module=m)
    rows = []

    def quality(img):
        probs = clf(img).softmax(-1)
        per_ssim = ssim_per_image(img, ref)
        return dict(
            psnr_db=psnr(img, ref),
            ssim=float(per_ssim.mean()),
            confidence=float(probs.gather(1, labels[:, None]).mean()),
            class_acc=float((probs.argmax(-1) == labels).float().mean()),
            fid_digits=frechet_distance(clf.features(img), real),
            _ssim=per_ssim,
        )

    rows.append(dict(strategy="uncached", family="reference", reuse=0.0, theoretical=1.0, **quality(ref)))
    for s in tqdm(strategies, desc="tradeoff: strategies", disable=not progress):
        torch._dynamo.reset()
        compiled = torch.compile(transformer, backend="blockdance", options=dict(s.options, inner=inner))
        per_sample = s.family == "ada"
        img = generate(compiled, labels, noise, steps, per_sample, module=m)
        info = explain(compiled, num_steps=steps)
        boundary, nblocks = info["graphs"][-1]["boundary"], len(info["graphs"][-1]["blocks"])
        per_gen = {}
        for gen, _step, _slot, action, _ in info["log"]:
            per_gen.setdefault(gen, []).append(action)
        plans = list(per_gen.values())
        if per_sample and len(plans) != n:
            raise RuntimeError(f"tradeoff: expected {n} generations of {s.name}, the dispatcher saw {len(plans)}")
        reuse_per = torch.tensor([sum(a != FULL for a in p) / len(p) for p in plans])
        reuse_per = reuse_per if per_sample else reuse_per.expand(n)  # one generation: its plan is every sample's
        distinct = sorted({plan_string(p) for p in plans})
        evals = sum(block_evaluations(p, nblocks, boundary) for p in plans)
        row = dict(
            strategy=s.name,
            family=s.family,
            reuse=float(reuse_per.mean()),
            theoretical=sum(len(p) for p in plans) * nblocks / evals,
            boundary=boundary,
            plan=distinct[0] if len(distinct) == 1 else f"{len(distinct)} distinct plans",
            **s.meta,
            **quality(img),
        )
        if per_sample and len(s.meta.get("classes", range(10))) < 10:
            seen = torch.isin(labels, torch.tensor(s.meta["classes"]))
            row["unseen_classes"] = dict(
                ssim=float(row["_ssim"][~seen].mean()),
                reuse=float(reuse_per[~seen].mean()),
                seen_ssim=float(row["_ssim"][seen].mean()),
                seen_reuse=float(reuse_per[seen].mean()),
            )
        rows.append(row)
    return rows


def static_front(rows: list[dict], key: str) -> list[tuple[float, float]]:
    """Upper envelope of the static points (plain reuse) in (reuse, ``key``): the best static quality at each reuse."""
    pts = sorted((r["reuse"], r[key]) for r in rows if r["family"] in ("static", "reference") and math.isfinite(r[key]))
    return [(x, y) for x, y in pts if not any(x2 >= x and y2 > y for x2, y2 in pts)]  # not dominated, by reuse


def _interp(front, x):
    """Piecewise-linear interpolation over sorted (x, y) points; NaN outside their range."""
    for (x0, y0), (x1, y1) in zip(front, front[1:], strict=False):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return float("nan")


def matched(rows: list[dict], key: str = "psnr_db") -> list[dict]:
    """Each non-static point against the static front: the static quality at the same reuse, and the
    static reuse (and theoretical speedup) at the same quality."""
    front = static_front(rows, key)
    inv = sorted((y, x) for x, y in front)  # quality -> reuse, decreasing reuse as quality rises
    theo = sorted((r["reuse"], r["theoretical"]) for r in rows if r["family"] in ("static", "reference"))
    out = []
    for r in rows:
        if r["family"] in ("static", "reference"):
            continue
        q_static = _interp(front, r["reuse"])
        reuse_static = _interp(inv, r[key])
        out.append(
            dict(
                strategy=r["strategy"],
                reuse=r["reuse"],
                theoretical=r["theoretical"],
                quality=r[key],
                static_quality_at_same_reuse=q_static,
                static_reuse_at_same_quality=reuse_static,
                static_theoretical_at_same_quality=(
                    _interp(theo, reuse_static) if not math.isnan(reuse_static) else float("nan")
                ),
            )
        )
    return out


def time_strategies(
    strategies: list[Strategy],
    steps: int,
    samples: int = 10,
    repeats: int = 3,
    progress: bool = True,
    model: str = "digits",
) -> dict:
    """Wall clock of batch-1 generations of ``samples`` held-out samples with Inductor as the inner compiler,
    and plain ``backend="inductor"`` as the reference: name -> :class:`bdcompile.timing.Timing` (seconds for
    the ``samples``; interleaved rounds)."""
    m = zoo.embedded(model)
    torch._dynamo.reset()
    transformer = m.load_transformer()
    labels, noise = eval_set(samples, m.IMAGE_SIZE)
    runners = {"inductor": torch.compile(transformer, backend="inductor")}
    for s in strategies:
        runners[s.name] = torch.compile(transformer, backend="blockdance", options=dict(s.options, inner="inductor"))
    # every runner compiles the same forward: past dynamo's recompile_limit (8) the rest would run eagerly
    limit = max(torch._dynamo.config.recompile_limit, 2 * len(runners))
    with (
        torch._dynamo.config.patch(recompile_limit=limit, accumulated_recompile_limit=max(256, 4 * limit)),
        timing.show_compiles(),
    ):
        for name, r in runners.items():
            with timing.stage(f"compiling {name}", progress):
                generate(r, labels[:1], noise[:1], steps, per_sample=True, module=m)
        return timing.time_interleaved(
            {
                name: (lambda r=r: generate(r, labels, noise, steps, per_sample=True, module=m))
                for name, r in runners.items()
            },
            repeats=repeats,
            progress=progress,
            desc="tradeoff: timing",
            first=False,
        )


FAMILY_STYLE = {
    "static": ("tab:blue", "o", "static BlockDance (reuse)"),
    "forecast-1": ("tab:orange", "s", "forecast, order 1"),
    "forecast-2": ("tab:green", "^", "forecast, order 2"),
    "forecast-3": ("tab:purple", "v", "forecast, order 3"),
    "ada": ("tab:red", "*", "BlockDance-Ada (per-instance plans)"),
}


def plot(rows: list[dict], path, title: str = "quality against reuse") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [
        ("psnr_db", "PSNR vs uncached (dB)"),
        ("ssim", "SSIM vs uncached"),
        ("confidence", "classifier confidence (requested class)"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    for ax, (key, label) in zip(axes, keys, strict=True):
        front = static_front(rows, key)
        ax.plot(
            [p[0] for p in front],
            [p[1] for p in front],
            color="tab:blue",
            lw=1.2,
            label="best static (envelope of the grid)",
        )
        for fam, (color, marker, name) in FAMILY_STYLE.items():
            pts = sorted(
                (r["reuse"], r[key], r["strategy"]) for r in rows if r["family"] == fam and math.isfinite(r[key])
            )
            if not pts:
                continue
            if fam.startswith("forecast"):
                ax.plot([p[0] for p in pts], [p[1] for p in pts], color=color, lw=1)
            ax.scatter(
                [p[0] for p in pts],
                [p[1] for p in pts],
                color=color,
                marker=marker,
                s=110 if fam == "ada" else 22,
                alpha=0.45 if fam == "static" else 1.0,
                label=name + (" grid: N x warm-up x stop" if fam == "static" else ""),
                zorder=3,
            )
            for x, y, n in pts:
                if fam == "static" and (x, y) not in front:
                    continue
                short = n.split(" ", 1)[1] if " " in n else n
                ax.annotate(short, (x, y), fontsize=5.5, xytext=(3, 3), textcoords="offset points", color=color)
        ref = [r for r in rows if r["family"] == "reference"]
        if ref and math.isfinite(ref[0][key]):
            ax.axhline(ref[0][key], color="gray", ls="--", lw=0.8, label="uncached")
        ax.set_xlabel("fraction of steps that skip blocks 0..b (from the dispatch log)")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(names), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)

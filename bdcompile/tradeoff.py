"""``bdcompile tradeoff``: quality against reuse for families of schedules on the embedded digits model.

Families, each a curve:
- ``static``: BlockDance's static schedule with plain reuse, interval N = 2..6 (and warm-up variants);
- ``forecast-k``: the same windows, skipped steps fed by an order-k extrapolation (TaylorSeer-style);
- ``ada``: BlockDance-Ada policies, one point per trained policy (a lambda sweep).

Samples are generated with ``DiTPipeline``'s loop (``zoo.digits.sample_from_noise``: DDIM,
classifier-free guidance as one doubled batch) through ``torch.compile(backend="blockdance")``, from
the same noise for every strategy; static and forecast plans run as one batch, Ada runs every sample
as its own generation (per-instance plans).  The noise seeds are disjoint from the ones the policies
were trained on (training uses seeds below 10**6; these start at 10**7).
Reuse is counted from the dispatcher's own log (``bdcompile.explain``), not from the schedule.
Quality is measured against the uncached output of the same seed (PSNR, SSIM) and with the
embedded classifier (confidence for the requested class, accuracy, Fréchet distance of its
features to real held-out digits).  ``--time`` adds wall-clock ratios over ``backend="inductor"``
for one configuration per family, measured side by side in the same run.
"""
from __future__ import annotations

import csv
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

EVAL_SEED0 = 10**7


@dataclass
class Strategy:
    name: str
    family: str  # "static", "forecast-1", "forecast-2", "ada"
    options: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


def default_strategies(steps: int, policies=(), intervals=(2, 3, 4, 6), orders=(1, 2), warmups=(0.3, 0.5), stops=(0.95, 1.0)) -> list[Strategy]:
    """The static family over ``intervals`` x warm-ups (0.4 and ``warmups``) x ``stops``, the forecast family
    over ``intervals`` (the paper's window), and one Ada per policy file."""
    out = []
    for w in (0.4, *warmups):
        for stop in stops:
            for n in intervals:
                name = f"static N={n}" + ("" if w == 0.4 else f" warmup={w:g}") + ("" if stop == 0.95 else f" stop={stop:g}")
                out.append(Strategy(name, "static", dict(num_steps=steps, interval=n, warmup=w, stop=stop),
                                    {"interval": n, "warmup": w, "stop": stop}))
    for k in orders:
        for n in intervals:
            out.append(Strategy(f"forecast-{k} N={n}", f"forecast-{k}", dict(num_steps=steps, interval=n, reuse="forecast", order=k),
                                {"interval": n, "order": k}))
    for path in policies:
        out.append(ada_strategy(path, steps))
    return out


def ada_strategy(path, steps: int) -> Strategy:
    from .ada import dispatch_policy, load_policy

    policy, meta = load_policy(path)
    if meta["num_steps"] != steps:
        raise ValueError(f"tradeoff: the policy {path} was trained for {meta['num_steps']} steps; run with --steps {meta['num_steps']}")
    opts = dict(num_steps=steps, boundary=meta["boundary"], policy=dispatch_policy(policy, cfg_batch=True),
                policy_start=meta["start"] / steps)
    name = f"ada lam={meta['lam']:g}"
    if meta.get("quality", "ssim") != "ssim":
        name += f" {meta['quality']} reward"
    if meta.get("init", "static") != "static":
        name += f" {meta['init']} init"
    if len(meta.get("classes", range(10))) != 10:
        name += " classes " + ",".join(map(str, meta["classes"]))
    return Strategy(name, "ada", opts, {"lam": meta["lam"], "classes": meta.get("classes", list(range(10))), "path": str(path)})


def eval_set(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` held-out samples: labels (classes in turn) and noise, sample ``i`` drawn exactly as
    ``DiTPipeline`` draws it for a batch-1 call with ``generator=torch.Generator().manual_seed(EVAL_SEED0 + i)``."""
    labels = torch.arange(n) % 10
    noise = torch.cat([torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(EVAL_SEED0 + i)) for i in range(n)])
    return labels, noise


def generate(model, labels, noise, steps: int, per_sample: bool) -> torch.Tensor:
    """Digits for ``labels`` from ``noise``: one batched generation, or (``per_sample``) one generation
    per sample, as per-instance plans need."""
    from .zoo import digits as zoo

    if not per_sample:
        return zoo.sample_from_noise(model, noise, labels, steps)
    return torch.cat([zoo.sample_from_noise(model, noise[i : i + 1], labels[i : i + 1], steps) for i in range(len(labels))])


@torch.no_grad()
def evaluate(strategies: list[Strategy], n: int, steps: int, inner: str = "eager", progress: bool = True) -> list[dict]:
    """Quality and reuse of each strategy on the ``n`` held-out samples (plus the uncached reference).
    Static and forecast plans are the same for every sample and run as one batch; Ada runs each
    sample as its own generation (its plan is per instance)."""
    from tqdm import tqdm

    from . import explain
    from .metrics import frechet_distance, psnr, ssim_per_image
    from .schedules import FULL, block_evaluations, plan_string
    from .zoo import digits as zoo

    torch._dynamo.reset()
    model = zoo.load_transformer()
    clf = zoo.load_classifier()
    real = clf.features(zoo.real_digits(None, split="test")[0])
    labels, noise = eval_set(n)
    ref = generate(model, labels, noise, steps, per_sample=False)
    rows = []

    def quality(img):
        probs = clf(img).softmax(-1)
        per_ssim = ssim_per_image(img, ref)
        return dict(psnr_db=psnr(img, ref), ssim=float(per_ssim.mean()), confidence=float(probs.gather(1, labels[:, None]).mean()),
                    class_acc=float((probs.argmax(-1) == labels).float().mean()), fid_digits=frechet_distance(clf.features(img), real),
                    _ssim=per_ssim)

    rows.append(dict(strategy="uncached", family="reference", reuse=0.0, theoretical=1.0, **quality(ref)))
    for s in tqdm(strategies, desc="tradeoff: strategies", disable=not progress):
        torch._dynamo.reset()
        compiled = torch.compile(model, backend="blockdance", options=dict(s.options, inner=inner))
        per_sample = s.family == "ada"
        img = generate(compiled, labels, noise, steps, per_sample)
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
        row = dict(strategy=s.name, family=s.family, reuse=float(reuse_per.mean()),
                   theoretical=sum(len(p) for p in plans) * nblocks / evals, boundary=boundary,
                   plan=distinct[0] if len(distinct) == 1 else f"{len(distinct)} distinct plans", **s.meta, **quality(img))
        if per_sample and len(s.meta.get("classes", range(10))) < 10:
            seen = torch.isin(labels, torch.tensor(s.meta["classes"]))
            row["unseen_classes"] = dict(ssim=float(row["_ssim"][~seen].mean()), reuse=float(reuse_per[~seen].mean()),
                                         seen_ssim=float(row["_ssim"][seen].mean()), seen_reuse=float(reuse_per[seen].mean()))
        rows.append(row)
    return rows


def static_front(rows: list[dict], key: str) -> list[tuple[float, float]]:
    """Upper envelope of the static points (plain reuse) in (reuse, ``key``): the best static quality at each reuse."""
    pts = sorted((r["reuse"], r[key]) for r in rows if r["family"] in ("static", "reference") and math.isfinite(r[key]))
    return [(x, y) for x, y in pts if not any(x2 >= x and y2 > y for x2, y2 in pts)]  # not dominated, by reuse


def _interp(front, x):
    """Piecewise-linear interpolation over sorted (x, y) points; NaN outside their range."""
    for (x0, y0), (x1, y1) in zip(front, front[1:]):
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
        out.append(dict(strategy=r["strategy"], reuse=r["reuse"], theoretical=r["theoretical"], quality=r[key],
                        static_quality_at_same_reuse=q_static, static_reuse_at_same_quality=reuse_static,
                        static_theoretical_at_same_quality=_interp(theo, reuse_static) if not math.isnan(reuse_static) else float("nan")))
    return out


def time_strategies(strategies: list[Strategy], steps: int, samples: int = 10, repeats: int = 3, progress: bool = True) -> dict:
    """Seconds per image (batch-1 generations, median of ``repeats`` interleaved rounds) with Inductor
    as the inner compiler, and plain ``backend="inductor"`` as the reference: name -> seconds."""
    from tqdm import tqdm

    from .zoo import digits as zoo

    torch._dynamo.reset()
    model = zoo.load_transformer()
    labels, noise = eval_set(samples)
    runners = {"inductor": torch.compile(model, backend="inductor")}
    for s in strategies:
        runners[s.name] = torch.compile(model, backend="blockdance", options=dict(s.options, inner="inductor"))
    # every runner compiles the same forward: past dynamo's recompile_limit (8) the rest would run eagerly
    limit = max(torch._dynamo.config.recompile_limit, 2 * len(runners))
    with torch._dynamo.config.patch(recompile_limit=limit, accumulated_recompile_limit=max(256, 4 * limit)):
        for name, m in tqdm(runners.items(), desc="tradeoff: compiling", disable=not progress):
            generate(m, labels[:1], noise[:1], steps, per_sample=True)
        times = {name: [] for name in runners}
        for _ in tqdm(range(repeats), desc="tradeoff: timing", disable=not progress):
            for name, m in runners.items():  # interleaved: drift in machine load hits every strategy alike
                t0 = time.perf_counter()
                generate(m, labels, noise, steps, per_sample=True)
                times[name].append((time.perf_counter() - t0) / samples)
    return {name: sorted(v)[len(v) // 2] for name, v in times.items()}


FAMILY_STYLE = {"static": ("tab:blue", "o", "static BlockDance (reuse)"), "forecast-1": ("tab:orange", "s", "forecast, order 1"),
                "forecast-2": ("tab:green", "^", "forecast, order 2"), "forecast-3": ("tab:purple", "v", "forecast, order 3"),
                "ada": ("tab:red", "*", "BlockDance-Ada (per-instance plans)")}


def plot(rows: list[dict], path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [("psnr_db", "PSNR vs uncached (dB)"), ("ssim", "SSIM vs uncached"), ("confidence", "classifier confidence (requested class)")]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    for ax, (key, label) in zip(axes, keys):
        front = static_front(rows, key)
        ax.plot([p[0] for p in front], [p[1] for p in front], color="tab:blue", lw=1.2, label="best static (envelope of the grid)")
        for fam, (color, marker, name) in FAMILY_STYLE.items():
            pts = sorted((r["reuse"], r[key], r["strategy"]) for r in rows if r["family"] == fam and math.isfinite(r[key]))
            if not pts:
                continue
            if fam.startswith("forecast"):
                ax.plot([p[0] for p in pts], [p[1] for p in pts], color=color, lw=1)
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], color=color, marker=marker, s=110 if fam == "ada" else 22,
                       alpha=0.45 if fam == "static" else 1.0, label=name + (" grid: N x warm-up x stop" if fam == "static" else ""),
                       zorder=3)
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
    fig.suptitle("embedded digits DiT, 20 DDIM steps, held-out seeds: quality against reuse", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_tradeoff(args) -> int:
    from .zoo import digits as zoo

    policies = list(args.policies) if args.policies is not None else [Path(zoo.__file__).parent / "digits_ada_policy.safetensors"]
    strategies = default_strategies(args.steps, policies=[p for p in policies if Path(p).exists()],
                                    intervals=tuple(args.intervals), orders=tuple(args.orders), warmups=tuple(args.warmups), stops=tuple(args.stops))
    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.time()
    rows = evaluate(strategies, args.samples, args.steps, inner=args.inner)
    print(f"embedded digits model, {args.steps} steps, {args.samples} held-out samples (seeds {EVAL_SEED0}+), inner={args.inner}, "
          f"{torch.get_num_threads()} threads, {time.time() - t0:.0f} s")
    cols = ["strategy", "reuse", "theoretical", "psnr_db", "ssim", "confidence", "class_acc", "fid_digits", "plan"]
    print(f"{cols[0]:<32}" + "".join(f"{c:>12}" for c in cols[1:-1]) + "  plan")
    for r in rows:
        print(f"{r['strategy']:<32}" + "".join(f"{r[c]:>12.3f}" for c in cols[1:-1]) + f"  {r.get('plan', '')}")
        if r.get("unseen_classes"):
            u = r["unseen_classes"]
            print(f"{'':<32}  classes not seen in training: reuse {u['reuse']:.3f}, SSIM {u['ssim']:.3f}"
                  f" (seen: reuse {u['seen_reuse']:.3f}, SSIM {u['seen_ssim']:.3f})")
    report = {"rows": rows}
    for key in ("psnr_db", "ssim"):
        m = matched(rows, key)
        report[f"matched_{key}"] = m
        print(f"\nagainst the static front ({key}): quality at the same reuse, reuse at the same quality")
        for e in m:
            print(f"  {e['strategy']:<30} reuse {e['reuse']:.3f} -> {key} {e['quality']:.3f} (static at this reuse: "
                  f"{e['static_quality_at_same_reuse']:.3f}); static reuse at this {key}: {e['static_reuse_at_same_quality']:.3f}"
                  f" (theoretical {e['theoretical']:.3f}x vs static {e['static_theoretical_at_same_quality']:.3f}x)")
    if args.time:
        picks = [s for s in strategies if s.name in set(args.time)] if args.time != ["auto"] else [
            s for s in strategies if s.name in ("static N=2", "static N=3", "forecast-1 N=3") or s.family == "ada"]
        secs = time_strategies(picks, args.steps, samples=args.time_samples, repeats=args.repeats)
        base = secs["inductor"]
        report["timing"] = {name: dict(seconds_per_image=v, speedup_vs_inductor=base / v) for name, v in secs.items()}
        print(f"\nwall clock per image (batch-1 generations, median of {args.repeats} interleaved rounds, inner=inductor):")
        theo = {r["strategy"]: r["theoretical"] for r in rows}
        for name, v in secs.items():
            print(f"  {name:<30} {v * 1e3:8.2f} ms  {base / v:6.3f}x vs inductor" + (f"  (theoretical {theo[name]:.3f}x)" if name in theo else ""))
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    report["rows"] = clean
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{out}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["strategy", "family"] + cols[1:], extrasaction="ignore")
        w.writeheader()
        w.writerows(clean)
    Path(f"{out}.json").write_text(json.dumps(report, indent=1, default=float))
    plot(rows, f"{out}.png")
    print(f"wrote {out}.csv, {out}.json, {out}.png")
    return 0


def add_parser(sub) -> None:
    t = sub.add_parser("tradeoff", help="quality against reuse: static, forecast and Ada curves on held-out seeds (embedded digits model)")
    t.add_argument("--steps", type=int, default=20)
    t.add_argument("--samples", type=int, default=200, help="held-out samples (each its own generation)")
    t.add_argument("--intervals", type=int, nargs="+", default=[2, 3, 4, 6])
    t.add_argument("--warmups", type=float, nargs="*", default=[0.3, 0.5], help="warm-up fractions of the static grid besides 0.4")
    t.add_argument("--stops", type=float, nargs="+", default=[0.95, 1.0], help="window ends of the static grid")
    t.add_argument("--orders", type=int, nargs="+", default=[1, 2], help="forecast orders to sweep")
    t.add_argument("--policies", nargs="*", default=None, help="Ada policy .safetensors files (default: the committed one)")
    t.add_argument("--inner", default="eager", help="inner compiler for the quality runs (eager: no compile time; same numerics)")
    t.add_argument("--time", nargs="*", default=None, help="also time these strategies (names, or 'auto') against backend='inductor'")
    t.add_argument("--time-samples", type=int, default=10)
    t.add_argument("--repeats", type=int, default=3)
    t.add_argument("--threads", type=int, default=0)
    t.add_argument("--out", default="bdcompile_tradeoff", help="prefix of the .csv, .json and .png written")
    t.set_defaults(fn=run_tradeoff)

"""``bdcompile bench``: speed and quality of every strategy, side by side in one process.

Strategies: eager (uncached, the quality reference), ``inductor`` (the speed reference), one
``blockdance`` per schedule, and diffusers' own cache hooks as peers where they apply.  Quality is
measured against the eager output of the same seeds: PSNR/SSIM always, class accuracy and the
Fréchet distance on classifier features (an FID analogue) on the embedded digits model.
"""
from __future__ import annotations

import csv
import json
import time
import warnings

import torch

from .bench import PRESETS, denoise, random_dit
from .schedules import plan_string, theoretical_speedup

DEFAULT_SCHEDULES = ["", "interval=3", "reuse=forecast,interval=3", "warmup=0.25,interval=2"]


def parse_schedule(text: str) -> dict:
    out = {}
    for part in filter(None, (text or "").split(",")):
        k, v = part.split("=", 1)
        v = v.strip()
        out[k.strip()] = int(v) if v.lstrip("-").isdigit() else float(v) if v.replace(".", "", 1).isdigit() else v
    return out


def _peers(model_factory, generate, steps):
    """diffusers' cache hooks on the uncompiled model (how they are used): name -> generate fn."""
    out = {}
    try:
        from diffusers.hooks import FirstBlockCacheConfig, TaylorSeerCacheConfig, apply_first_block_cache, apply_taylorseer_cache
    except ImportError:
        return out
    for name, apply in (
        ("diffusers FirstBlockCache(0.05)", lambda m: apply_first_block_cache(m, FirstBlockCacheConfig(threshold=0.05))),
        ("diffusers TaylorSeer(N=3)", lambda m: apply_taylorseer_cache(m, TaylorSeerCacheConfig(cache_interval=3, disable_cache_before_step=int(0.4 * steps), max_order=1, taylor_factors_dtype=torch.float32))),
    ):
        m = model_factory()
        try:
            apply(m)
            generate(m)
        except Exception as e:  # a peer that does not support this model is reported, not fatal
            warnings.warn(f"bench: peer {name} skipped: {type(e).__name__}: {str(e)[:200]}")
            continue
        out[name] = (m, None)
    return out


def run_bench(args) -> int:
    from . import explain
    from .metrics import psnr, ssim

    torch.manual_seed(0)
    digits = args.model == "digits"
    if digits:
        from .zoo import digits as zoo

        factory = zoo.load_transformer
        labels = torch.arange(10).repeat_interleave(4)

        def generate(m):
            return zoo.sample(m, labels=labels, num_steps=args.steps, generator=torch.Generator().manual_seed(0))
    else:
        factory = lambda: random_dit(args.model)  # noqa: E731

        def generate(m):
            return denoise(m, args.steps, batch=4)

    base_model = factory()
    schedules = args.schedules if args.schedules is not None else DEFAULT_SCHEDULES
    strategies = {"eager": (base_model, None), "inductor": (torch.compile(base_model, backend="inductor"), None)}
    for text in schedules:
        opts = dict(num_steps=args.steps, **parse_schedule(text))
        strategies[f"blockdance({text or 'paper'})"] = (torch.compile(base_model, backend="blockdance", options=opts), opts)
    if digits:
        from pathlib import Path

        from .ada import dispatch_policy, load_policy

        if (Path(zoo.__file__).parent / "digits_ada_policy.safetensors").exists():
            policy, meta = load_policy()
            if meta["num_steps"] == args.steps:
                opts = dict(num_steps=args.steps, boundary=meta["boundary"], policy=dispatch_policy(policy, cfg_batch=True),
                            policy_start=meta["start"] / args.steps)
                strategies["blockdance(ada)"] = (torch.compile(base_model, backend="blockdance", options=opts), opts)
            else:
                warnings.warn(f"bench: the Ada policy was trained for {meta['num_steps']} steps; run with --steps {meta['num_steps']} to include it")
    if not args.no_peers:
        strategies.update(_peers(factory, generate, args.steps))

    rows = {}
    outputs = {}
    for name, (m, _) in strategies.items():
        t0 = time.perf_counter()
        outputs[name] = generate(m)
        rows[name] = {"strategy": name, "first_run_s": time.perf_counter() - t0, "times": []}
    for _ in range(args.repeats):  # interleaved, so load drift hits all alike
        for name, (m, _) in strategies.items():
            t0 = time.perf_counter()
            generate(m)
            rows[name]["times"].append(time.perf_counter() - t0)

    ref = outputs["eager"]
    clf = zoo.load_classifier() if digits else None
    real_feats = clf.features(zoo.real_digits(400, split="test")[0]).detach() if digits else None
    base_t = sorted(rows["inductor"]["times"])[len(rows["inductor"]["times"]) // 2]
    for name, (m, opts) in strategies.items():
        r = rows[name]
        r["median_s"] = sorted(r["times"])[len(r["times"]) // 2]
        r["speedup_vs_inductor"] = base_t / r["median_s"]
        r["compile_s"] = max(0.0, r["first_run_s"] - r["median_s"])
        r["theoretical"] = 1.0
        if opts is not None:
            info = explain(m, num_steps=args.steps)
            r["theoretical"] = info["theoretical_speedup"]
            r["plan"] = plan_string(info["plan"])
            r["cache_mb"] = sum(torch.Size(c["shape"]).numel() * 4 if c["shape"] else 0 for c in info["graphs"][-1]["cut"]) / 2**20
        out = outputs[name]
        x, y = (out, ref) if digits else (_to_unit(out, ref), _to_unit(ref, ref))
        r["psnr_db"] = psnr(x, y)
        r["ssim"] = ssim(x, y) if x.dim() == 4 else float("nan")
        if digits:
            from .metrics import class_accuracy, frechet_distance

            r["class_acc"] = class_accuracy(clf, out, labels)
            r["fid_digits"] = frechet_distance(clf.features(out).detach(), real_feats)
        del r["times"], r["first_run_s"]

    cols = ["strategy", "median_s", "speedup_vs_inductor", "theoretical", "compile_s", "psnr_db", "ssim"] + (["class_acc", "fid_digits"] if digits else []) + ["cache_mb"]
    print(f"model {args.model}, {args.steps} steps, {args.repeats} timed runs each (median), {torch.get_num_threads()} threads")
    print("".join(f"{c:>24}" if i == 0 else f"{c:>12}" for i, c in enumerate(cols)))
    for r in rows.values():
        print("".join((f"{r.get(c, ''):>24}" if i == 0 else f"{r[c]:>12.3f}" if isinstance(r.get(c), float) else f"{'-':>12}") for i, c in enumerate(cols)))
    with open(args.out + ".csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows.values())
    with open(args.out + ".json", "w") as f:
        json.dump(list(rows.values()), f, indent=1)
    _scatter(rows, args.out + ".png", digits)
    for r in rows.values():
        if r.get("plan"):
            print(f"  plan of {r['strategy']}: {r['plan']}")
    print(f"wrote {args.out}.csv, {args.out}.json, {args.out}.png")
    return 0


def _to_unit(x, ref):
    lo, hi = ref.min(), ref.max()
    return ((x - lo) / (hi - lo)).clamp(0, 1)


def _scatter(rows, path, digits):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in rows.values():
        if r["strategy"] == "eager":
            continue
        q = min(r["psnr_db"], 60.0)
        ax.scatter(r["speedup_vs_inductor"], q, s=40)
        ax.annotate(r["strategy"], (r["speedup_vs_inductor"], q), fontsize=7, xytext=(4, 2), textcoords="offset points")
    ax.set_xlabel("speedup over backend='inductor' (measured)")
    ax.set_ylabel("PSNR vs uncached output, dB (capped at 60)")
    ax.set_title("speed vs quality" + (" (embedded digits DiT)" if digits else ""))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

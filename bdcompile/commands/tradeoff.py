"""``bdcompile tradeoff``: quality against reuse for static, forecast and Ada schedules on held-out seeds.

Families, each a curve: static BlockDance schedules (a grid of N x warm-up x stop), forecast orders over the
same windows, and one point per Ada policy (the model's committed policy by default). Each non-static point
is compared with the static front at the same reuse and at the same quality. --time adds wall-clock ratios
over backend='inductor' for some strategies, measured side by side (interleaved rounds, spread, warnings).
Writes <out>.csv, <out>.json and <out>.png.
"""

from __future__ import annotations

import argparse

from . import common
from .common import POSITIVE


def add_parser(subparsers) -> argparse.ArgumentParser:
    t = subparsers.add_parser(
        "tradeoff",
        help="quality against reuse: static, forecast and Ada curves on held-out seeds (embedded model)",
        description=__doc__,
        formatter_class=common.HelpFormatter,
    )
    common.add_model(t, random_presets=False)
    t.add_argument("--steps", type=POSITIVE, default=20, help="denoising steps")
    t.add_argument("--samples", type=POSITIVE, default=200, help="held-out samples (each its own generation)")
    t.add_argument("--intervals", type=POSITIVE, nargs="+", default=[2, 3, 4, 6])
    t.add_argument(
        "--warmups", type=float, nargs="*", default=[0.3, 0.5], help="warm-up fractions of the static grid besides 0.4"
    )
    t.add_argument("--stops", type=float, nargs="+", default=[0.95, 1.0], help="window ends of the static grid")
    t.add_argument("--orders", type=POSITIVE, nargs="+", default=[1, 2], help="forecast orders to sweep")
    t.add_argument(
        "--policies",
        nargs="*",
        default=None,
        help="Ada policy .safetensors files (default: the model's committed one, if any)",
    )
    t.add_argument(
        "--inner", default="eager", help="inner compiler for the quality runs (eager: no compile time; same numerics)"
    )
    t.add_argument(
        "--time",
        nargs="*",
        default=None,
        help="also time these strategies (names, or 'auto') against backend='inductor'",
    )
    t.add_argument("--time-samples", type=POSITIVE, default=10, help="samples per timed round")
    t.add_argument("--repeats", type=POSITIVE, default=3, help="timed rounds")
    common.add_threads(t)
    t.add_argument(
        "--out",
        type=common.prefix_out("bdcompile_tradeoff"),
        default="bdcompile_tradeoff",
        help="prefix of the .csv, .json and .png written (a folder: bdcompile_tradeoff in it)",
    )
    t.set_defaults(fn=run)
    return t


def run(args) -> int:
    import csv
    import json
    import time
    from pathlib import Path

    from .. import timing
    from ..tradeoff import EVAL_SEED0, default_policies, default_strategies, evaluate, matched, plot, time_strategies

    threads = timing.pin_threads(args.threads)
    policies = list(args.policies) if args.policies is not None else default_policies(args.model)
    strategies = default_strategies(
        args.steps,
        policies=[p for p in policies if Path(p).exists()],
        intervals=tuple(args.intervals),
        orders=tuple(args.orders),
        warmups=tuple(args.warmups),
        stops=tuple(args.stops),
    )
    t0 = time.time()
    rows = evaluate(strategies, args.samples, args.steps, inner=args.inner, model=args.model)
    print(
        f"embedded model {args.model}, {args.steps} steps, {args.samples} held-out samples (seeds {EVAL_SEED0}+), "
        f"inner={args.inner}, {threads} thread(s), {time.time() - t0:.0f} s"
    )
    cols = ["strategy", "reuse", "theoretical", "psnr_db", "ssim", "confidence", "class_acc", "fid_digits", "plan"]
    print(f"{cols[0]:<32}" + "".join(f"{c:>12}" for c in cols[1:-1]) + "  plan")
    for r in rows:
        print(f"{r['strategy']:<32}" + "".join(f"{r[c]:>12.3f}" for c in cols[1:-1]) + f"  {r.get('plan', '')}")
        if r.get("unseen_classes"):
            u = r["unseen_classes"]
            print(
                f"{'':<32}  classes not seen in training: reuse {u['reuse']:.3f}, SSIM {u['ssim']:.3f}"
                f" (seen: reuse {u['seen_reuse']:.3f}, SSIM {u['seen_ssim']:.3f})"
            )
    report = {"model": args.model, "steps": args.steps, "rows": rows}
    for key in ("psnr_db", "ssim"):
        m = matched(rows, key)
        report[f"matched_{key}"] = m
        print(f"\nagainst the static front ({key}): quality at the same reuse, reuse at the same quality")
        for e in m:
            print(
                f"  {e['strategy']:<30} reuse {e['reuse']:.3f} -> {key} {e['quality']:.3f} (static at this reuse: "
                f"{e['static_quality_at_same_reuse']:.3f}); static reuse at this {key}: "
                f"{e['static_reuse_at_same_quality']:.3f} (theoretical {e['theoretical']:.3f}x vs static "
                f"{e['static_theoretical_at_same_quality']:.3f}x)"
            )
    if args.time is not None:
        auto = ("static N=2", "static N=3", "forecast-1 N=3")
        picks = (
            [s for s in strategies if s.name in set(args.time)]
            if args.time not in ([], ["auto"])
            else [s for s in strategies if s.name in auto or s.family == "ada"]
        )
        runs = time_strategies(picks, args.steps, samples=args.time_samples, repeats=args.repeats, model=args.model)
        base = runs["inductor"]
        theo = {r["strategy"]: r["theoretical"] for r in rows}
        report["timing"] = {}
        print(
            f"\nwall clock per image (batch-1 generations of {args.time_samples} samples, {args.repeats} interleaved "
            "rounds, inner=inductor; speedup: median of the per-round ratios [range]):"
        )
        for name, t in runs.items():
            ratio = timing.speedup(base, t)
            report["timing"][name] = dict(
                seconds_per_image=t.median / args.time_samples,
                min=t.min / args.time_samples,
                max=t.max / args.time_samples,
                spread=t.spread,
                speedup_vs_inductor=ratio.median,
                speedup_lo=ratio.lo,
                speedup_hi=ratio.hi,
            )
            print(
                f"  {name:<30} {timing.describe(t, per=args.time_samples)}  {ratio} vs inductor"
                + (f"  (theoretical {theo[name]:.3f}x)" if name in theo else "")
            )
        report["warnings"] = timing.warnings(runs, threads)
        common.print_warnings(report["warnings"])
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    report["rows"] = clean
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{out}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["strategy", "family"] + cols[1:], extrasaction="ignore")
        w.writeheader()
        w.writerows(clean)
    Path(f"{out}.json").write_text(json.dumps(report, indent=1, default=float))
    plot(
        rows,
        f"{out}.png",
        title=f"embedded {args.model} model, {args.steps} steps, held-out seeds: quality against reuse",
    )
    print(f"wrote {out}.csv, {out}.json, {out}.png")
    return 0

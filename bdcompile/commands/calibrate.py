"""``bdcompile calibrate``: MagCache-style calibration of the embedded MMDiT, and static plans from error budgets.

    bdcompile calibrate                                   # 20 steps, writes bdcompile_calibration_20.json, prints plans
    bdcompile calibrate --steps 20 28 --out-dir bdcompile/zoo --prefix mnist_mmdit_calibration   # the shipped files
    bdcompile calibrate --from bdcompile/zoo/mnist_mmdit_calibration_20.json --budgets 0.05 0.1 0.2 --max-skips 2

One uncached eager generation (StableDiffusion3Pipeline, CFG as one doubled batch) records per step the
magnitude ratio of the residual of blocks [0, boundary) (default: the whole stack) and its std over tokens
(bdcompile.calibrate). For each error budget, diffusers' MagCache rule (accumulated ratio, accumulated error
|1 - ratio|, at most K consecutive skips, no skip in the first retention x steps) gives a static plan string:
run it with torch.compile(transformer, backend="blockdance", options={"plan": PLAN}).
"""

from __future__ import annotations

import argparse

from . import common
from .common import POSITIVE


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "calibrate",
        help="MagCache-style residual ratios of the embedded MMDiT and static plans from error budgets",
        description=__doc__,
        formatter_class=common.HelpFormatter,
    )
    p.add_argument("--steps", type=POSITIVE, nargs="+", default=[20], help="denoising steps (one calibration each)")
    p.add_argument(
        "--boundary", type=POSITIVE, default=None, help="residual of blocks [0, boundary); default: every block"
    )
    p.add_argument("--per-class", type=POSITIVE, default=1, help="digits per class in the calibration generation")
    p.add_argument("--seed", type=int, default=1234, help="noise seed of the calibration generation")
    p.add_argument(
        "--budgets",
        type=float,
        nargs="+",
        default=[0.03, 0.06, 0.1, 0.2, 0.4],
        help="error budgets (MagCache threshold) to print plans for",
    )
    p.add_argument("--max-skips", type=POSITIVE, default=3, help="K: most consecutive residual steps")
    p.add_argument("--retention", type=float, default=0.2, help="fraction of the first steps that always compute")
    p.add_argument(
        "--from",
        dest="source",
        default=None,
        metavar="JSON",
        help="print plans from a calibration file instead of calibrating",
    )
    p.add_argument("--out-dir", default=".", help="folder of the calibration JSON files")
    p.add_argument("--prefix", default="bdcompile_calibration", help="file name prefix: PREFIX_<steps>.json")
    common.add_threads(p)
    p.set_defaults(fn=run)
    return p


def _print_plans(cal, budgets, max_skips, retention) -> None:
    from ..calibrate import plan_from_calibration
    from ..schedules import parse_plan_string, theoretical_speedup

    print(f"{cal.model}, {cal.num_steps} steps, residual of blocks [0, {cal.boundary}) of {cal.num_blocks}")
    print("ratios: " + " ".join(f"{r:.3f}" for r in cal.ratios))
    print("std:    " + " ".join(f"{s:.3f}" for s in cal.std))
    print(f"plans (K={max_skips}, retention={retention:g}):")
    for t in budgets:
        plan = plan_from_calibration(cal, threshold=t, max_skips=max_skips, retention=retention)
        acts = parse_plan_string(plan)
        skipped = sum(a != "full" for a in acts)
        ceil = theoretical_speedup(acts, cal.num_blocks, cal.boundary)
        print(f"  budget {t:<6g} {skipped:2d} residual steps, block ratio {ceil:.2f}x  {plan}")


def run(args) -> int:
    from pathlib import Path

    from .. import timing
    from ..calibrate import Calibration, calibrate

    if args.source:
        _print_plans(Calibration.load(args.source), args.budgets, args.max_skips, args.retention)
        return 0
    import torch

    from ..zoo import mnist_mmdit as M

    timing.pin_threads(args.threads)
    labels = torch.arange(M.NUM_CLASSES).repeat(args.per_class)
    encoder = M.load_label_encoder()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for steps in args.steps:
        pipe = M.load_pipeline(M.load_transformer())
        kw = M.pipeline_kwargs(labels, steps, generator=torch.Generator().manual_seed(args.seed), encoder=encoder)
        kw.pop("num_inference_steps")
        desc = (
            f"embedded MMDiT, StableDiffusion3Pipeline, {len(labels)} digits ({args.per_class} per class), "
            f"CFG {M.DEFAULT_GUIDANCE:g} as one batch, seed {args.seed}"
        )
        with timing.stage(f"calibrating {steps} steps: one eager generation"):
            cal = calibrate(
                pipe,
                num_steps=steps,
                boundary=args.boundary,
                call_kwargs=kw,
                model_name="mnist-mmdit",
                description=desc,
            )
        path = out_dir / f"{args.prefix}_{steps}.json"
        cal.save(path)
        print(f"wrote {path}")
        _print_plans(cal, args.budgets, args.max_skips, args.retention)
    return 0

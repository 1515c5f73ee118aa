"""``bdcompile profile``: how much each block's output changes between steps, and a recommended schedule.

Records every block's output at every step of one generation (eager, forward hooks), draws the
blocks x steps heatmap of the relative change to the previous step (log colour scale) and recommends
``boundary`` / ``warmup`` / ``stop``: the schedule that saves the most block evaluations while the
value it caches drifts by at most --threshold between the steps one cache stands in for.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import common
from .common import POSITIVE


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "profile",
        help="per-block step-to-step change heatmap and a schedule recommendation",
        description=__doc__,
        formatter_class=common.HelpFormatter,
    )
    common.add_model(p)
    p.add_argument("--steps", type=POSITIVE, default=20, help="denoising steps")
    p.add_argument(
        "--threshold",
        type=float,
        default=0.1,
        help="largest relative drift of the cached value over the steps one cache stands in for",
    )
    p.add_argument("--interval", type=POSITIVE, default=2, help="N of the recommended schedule")
    p.add_argument(
        "--stop",
        type=float,
        default=None,
        help="end of the reuse window (fraction of the steps); default: "
        "searched from 0.95 down to 0.6 (a sampler's last steps often change far more than the rest)",
    )
    common.add_threads(p)
    p.add_argument(
        "--out",
        type=common.image_out("bdcompile_profile.png"),
        default="bdcompile_profile.png",
        help="heatmap PNG to write (a folder: bdcompile_profile.png in it)",
    )
    p.set_defaults(fn=run)
    return p


def run(args) -> int:
    from .. import timing
    from ..profile import profile_blocks, recommend, summary
    from ..workloads import workload

    timing.pin_threads(args.threads)
    w = workload(args.model, args.steps, per_class=1)
    with timing.stage(f"profiling {w.name} ({w.description}): one eager generation, {args.steps} steps"):
        prof = profile_blocks(w.make_model(), w.generate)
    rec = recommend(prof, threshold=args.threshold, interval=args.interval, stop=args.stop)
    print(summary(prof, w.name))
    if rec.get("boundary") is not None:
        print(
            f"recommended (cached value drifts <= {args.threshold} over the {args.interval - 1} step(s) a cache "
            f"stands in for): boundary={rec['boundary']} warmup={rec['warmup']} stop={rec['stop']} "
            f"interval={rec['interval']} -> theoretical speedup {rec['theoretical_speedup']:.3f}x"
        )
        print(
            f'  options={{"boundary": {rec["boundary"]}, "warmup": {rec["warmup"]}, "stop": {rec["stop"]}, '
            f'"interval": {rec["interval"]}}}'
        )
    else:
        print(rec["note"])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    prof.plot(args.out, title=f"{w.name}: relative change of block outputs between steps")
    print(f"wrote {args.out}")
    return 0

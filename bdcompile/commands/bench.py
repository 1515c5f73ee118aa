"""``bdcompile bench``: speed and quality of eager, inductor, blockdance schedules and peers, side by side.

Every strategy runs once first (compiles; reported apart), then --repeats interleaved rounds; times are
medians with their spread, speedups the median of the per-round ratios with their range. On a busy
machine (load average above the free cores) or when runs disagree, the table says so.
Writes <out>.csv, <out>.json and <out>.png (speed vs PSNR).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import common
from .common import POSITIVE


def add_parser(subparsers) -> argparse.ArgumentParser:
    b = subparsers.add_parser(
        "bench",
        help="speed and quality of eager, inductor, blockdance schedules and peers, side by side",
        description=__doc__,
        formatter_class=common.HelpFormatter,
    )
    common.add_model(b)
    b.add_argument("--steps", type=POSITIVE, default=20, help="denoising steps")
    b.add_argument(
        "--per-class",
        type=int,
        default=4,
        help="embedded models: images per class (10 classes) per generation; random presets: batch 4",
    )
    b.add_argument("--repeats", type=POSITIVE, default=3, help="timed rounds after the first (compiling) run")
    b.add_argument(
        "--schedules",
        nargs="*",
        default=None,
        help="blockdance schedules as key=value,...; e.g. 'boundary=9,interval=2' "
        "'reuse=forecast,interval=3' (default: paper, interval=3, forecast interval=3, warmup=0.25)",
    )
    b.add_argument("--no-peers", action="store_true", help="skip diffusers' cache hooks")
    common.add_threads(b)
    b.add_argument(
        "--out",
        type=common.prefix_out("bdcompile_bench"),
        default="bdcompile_bench",
        help="prefix of the .csv, .json and .png written (a folder: bdcompile_bench in it)",
    )
    b.set_defaults(fn=run)
    return b


def run(args) -> int:
    import csv
    import json

    import torch

    from .. import bench, timing
    from ..workloads import workload

    threads = timing.pin_threads(args.threads)
    steps = args.steps
    w = workload(args.model, steps, per_class=args.per_class, batch=4)
    print(
        f"model {w.name} ({w.description}), {steps} steps, {w.batch} images per generation, {threads} thread(s) "
        f"of {timing.cores()} cores, load average {timing.load():.1f}"
    )
    torch.manual_seed(0)
    with timing.stage("building strategies (peers run once to check they apply)"):
        strats = bench.strategies(w, args.schedules, peers=not args.no_peers)
    rows, runs = bench.compare(w, strats, repeats=args.repeats)
    print(
        f"{args.repeats} timed rounds each (seconds per generation: median; spread = (max - min) / median; "
        "speedup: median of the per-round ratios [range])"
    )
    print(bench.table(rows))
    for r in rows:
        if r.get("plan"):
            print(f"  plan of {r['strategy']}: {r['plan']}")
    common.print_warnings(timing.warnings(runs, threads))
    cols = [
        c
        for c in [
            "strategy",
            "median_s",
            "min_s",
            "max_s",
            "spread",
            "speedup_vs_inductor",
            "speedup_lo",
            "speedup_hi",
            *bench.COLUMNS[4:],
            "plan",
        ]
        if any(c in r for r in rows)
    ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out + ".csv", "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(dict.fromkeys(cols)), extrasaction="ignore")
        wr.writeheader()
        wr.writerows(rows)
    report = {
        "model": w.name,
        "steps": steps,
        "threads": threads,
        "cores": timing.cores(),
        "warnings": timing.warnings(runs, threads),
        "rows": rows,
    }
    with open(args.out + ".json", "w") as f:
        json.dump(report, f, indent=1)
    bench.scatter(rows, args.out + ".png", title=f"speed vs quality ({w.name}, {steps} steps)")
    print(f"wrote {args.out}.csv, {args.out}.json, {args.out}.png")
    return 0

"""``bdcompile demo``: digits from an embedded model, uncached vs ``backend="blockdance"``, side by side.

One eager generation is the uncached reference; then ``backend="inductor"`` and ``backend="blockdance"``
(inner Inductor) compile and are timed in interleaved rounds. Prints the schedule, time per image
(median and range), the speedup with its range, PSNR/SSIM and class accuracy; writes a PNG with one
column per class (uncached | blockdance, PSNR per column). Warns when a busy machine makes the
timing meaningless.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import common
from .common import POSITIVE


def add_parser(subparsers) -> argparse.ArgumentParser:
    d = subparsers.add_parser(
        "demo",
        help="digits from the embedded model, uncached vs backend='blockdance', side by side",
        description=__doc__,
        formatter_class=common.HelpFormatter,
    )
    common.add_model(d, random_presets=False)
    d.add_argument("--steps", type=POSITIVE, default=20, help="denoising steps")
    d.add_argument("--per-class", type=POSITIVE, default=2, help="digits generated per class (10 classes)")
    d.add_argument("--repeats", type=POSITIVE, default=3, help="timed rounds after the first (compiling) run")
    common.add_threads(d)
    d.add_argument(
        "--out",
        type=common.image_out("bdcompile_demo.png"),
        default="bdcompile_demo.png",
        help="side-by-side PNG to write (a folder: bdcompile_demo.png in it)",
    )
    d.set_defaults(fn=run)
    return d


def run(args) -> int:
    from .. import demo, timing
    from ..metrics import class_accuracy, psnr, ssim
    from ..workloads import workload

    threads = timing.pin_threads(args.threads)
    w = workload(args.model, args.steps, per_class=args.per_class)
    model_blocks = f"{w.description}; {w.batch} digits, {w.steps} steps with CFG"
    print(
        f"embedded model {w.name}: {model_blocks}; {threads} thread(s) of {timing.cores()} cores, load average "
        f"{timing.load():.1f}"
    )
    res = demo.run(w, repeats=args.repeats)
    ref, cached, runs, info = res["ref"], res["cached"], res["runs"], res["info"]
    n = w.batch
    print("\n".join(str(info).splitlines()[:6]))
    ind, bd = runs["inductor"], runs["blockdance"]
    print(
        f"time per image: eager {res['eager_s'] / n * 1e3:.1f} ms (one run); inductor {timing.describe(ind, per=n)}; "
        f"blockdance {timing.describe(bd, per=n)}"
    )
    print(f"first runs (compiling): inductor {ind.first_s:.0f} s, blockdance {bd.first_s:.0f} s")
    ratio = timing.speedup(ind, bd)
    print(
        f"speedup of blockdance over inductor: {ratio} (median [range] of {len(bd.times)} rounds; theoretical "
        f"{info['theoretical_speedup']:.2f}x)"
    )
    print(f"blockdance vs uncached: PSNR {psnr(cached, ref):.1f} dB, SSIM {ssim(cached, ref):.3f}")
    clf = w.module.load_classifier()
    print(
        f"class accuracy (embedded classifier): uncached {class_accuracy(clf, ref, w.labels):.1%}, "
        f"blockdance {class_accuracy(clf, cached, w.labels):.1%}"
    )
    common.print_warnings(timing.warnings(runs, threads))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    demo.save_png(
        args.out, ref, cached, w.labels, titles=("uncached (eager)", f"blockdance ({ratio.median:.2f}x vs inductor)")
    )
    print(f"wrote {args.out} (left: uncached, right: blockdance; one column per class)")
    return 0

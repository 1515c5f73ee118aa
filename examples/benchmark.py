"""End-to-end time of one denoising loop: backend="inductor" vs backend="blockdance" (inner inductor).

    python examples/benchmark.py --preset dit-s-28 --steps 50
    python examples/benchmark.py --preset tiny --steps 8 --inner eager   # no compiling: checks the plumbing

Prints both times (median and range of interleaved rounds), the measured speedup (median of the
per-round ratios, with their range), the theoretical one from the schedule (block evaluations saved),
and their ratio (the share of the ceiling reached); warns when the machine is too busy for the figures
to mean anything.
"""

import argparse

import torch

import bdcompile
from bdcompile import timing
from bdcompile.workloads import PRESETS, denoise, random_dit


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="dit-s-28", choices=sorted(PRESETS))
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--boundary", type=int, default=None)
    ap.add_argument("--warmup", type=float, default=0.4)
    ap.add_argument("--stop", type=float, default=0.95)
    ap.add_argument("--interval", type=int, default=2)
    ap.add_argument(
        "--inner",
        default="inductor",
        choices=["inductor", "eager"],
        help="compiler of both sides (eager: no compile time, no meaningful speed)",
    )
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: the free cores)")
    args = ap.parse_args(argv)

    threads = timing.pin_threads(args.threads)
    model = random_dit(args.preset)
    opts = dict(num_steps=args.steps, warmup=args.warmup, stop=args.stop, interval=args.interval, inner=args.inner)
    if args.boundary is not None:
        opts["boundary"] = args.boundary
    base = torch.compile(model, backend=args.inner)
    bd = torch.compile(model, backend="blockdance", options=opts)
    with timing.show_compiles():
        res = timing.time_interleaved(
            {
                args.inner: lambda: denoise(base, args.steps),
                "blockdance": lambda: denoise(bd, args.steps),
            },
            repeats=args.repeats,
        )
    info = bdcompile.explain(bd, num_steps=args.steps)
    ratio = timing.speedup(res[args.inner], res["blockdance"])
    theo = info["theoretical_speedup"]
    layers, heads, dim, size = PRESETS[args.preset]
    print(
        f"preset {args.preset}: {layers} blocks x {heads * dim} wide, latent {size}x{size}, batch 2 (CFG), "
        f"{args.steps} DDIM steps, {threads} thread(s)"
    )
    print("\n".join(line for line in str(info).splitlines() if line.startswith(("plan", "block evaluations"))))
    for r in res.values():
        print(f"{r.name:<12} {timing.describe(r)}, first run (compiles) {r.first_s:.1f} s")
    print(f"measured speedup {ratio}, theoretical {theo:.3f}x, share of the ceiling {ratio.median / theo:.3f}")
    for w in timing.warnings(res, threads):
        print(f"WARNING: {w}")


if __name__ == "__main__":
    main()

"""End-to-end time of one denoising loop: backend="inductor" vs backend="blockdance" (inner inductor).

    python examples/benchmark.py --preset dit-s-28 --steps 50

Prints both times, the measured speedup and the theoretical one from the schedule (block
evaluations saved), and their ratio (the share of the ceiling we reach).
"""
import argparse

import torch

import bdcompile
from bdcompile.bench import PRESETS, denoise, random_dit, time_strategies


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="dit-s-28", choices=sorted(PRESETS))
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--boundary", type=int, default=None)
    ap.add_argument("--warmup", type=float, default=0.4)
    ap.add_argument("--stop", type=float, default=0.95)
    ap.add_argument("--interval", type=int, default=2)
    args = ap.parse_args()

    model = random_dit(args.preset)
    opts = dict(num_steps=args.steps, warmup=args.warmup, stop=args.stop, interval=args.interval)
    if args.boundary is not None:
        opts["boundary"] = args.boundary
    base = torch.compile(model, backend="inductor")
    bd = torch.compile(model, backend="blockdance", options=opts)
    res = time_strategies({
        "inductor": lambda: denoise(base, args.steps),
        "blockdance": lambda: denoise(bd, args.steps),
    }, repeats=args.repeats)
    info = bdcompile.explain(bd, num_steps=args.steps)
    measured = res["inductor"].median / res["blockdance"].median
    theo = info["theoretical_speedup"]
    layers, heads, dim, size = PRESETS[args.preset]
    print(f"preset {args.preset}: {layers} blocks x {heads * dim} wide, latent {size}x{size}, batch 2 (CFG), {args.steps} DDIM steps, "
          f"{torch.get_num_threads()} threads")
    print("\n".join(line for line in str(info).splitlines() if line.startswith(("plan", "block evaluations"))))
    print(f"{'strategy':<12}{'median s':>10}{'compile s':>11}   runs")
    for r in res.values():
        print(f"{r.name:<12}{r.median:>10.3f}{r.compile_s:>11.1f}   " + " ".join(f"{t:.3f}" for t in r.times))
    print(f"measured speedup {measured:.3f}x, theoretical {theo:.3f}x, share of the ceiling {measured / theo:.3f}")


if __name__ == "__main__":
    main()

"""A real diffusers pipeline (DiTPipeline, 28 blocks, random weights, offline) with backend="blockdance".

    python examples/dit_pipeline.py
    python examples/dit_pipeline.py --preset tiny --steps 8 --inner eager   # no compiling: checks the plumbing

Prints the time per step of the full and the reuse variant and the end-to-end time against
backend="inductor" (interleaved rounds, median and range); the transformer and the pipeline code are
unmodified.
"""

import argparse
import time

import torch
from diffusers import AutoencoderKL, DDIMScheduler, DiTPipeline

import bdcompile
from bdcompile import timing
from bdcompile.workloads import PRESETS, random_dit


def tiny_vae():
    torch.manual_seed(0)
    return AutoencoderKL(
        block_out_channels=(32,),
        down_block_types=("DownEncoderBlock2D",),
        up_block_types=("UpDecoderBlock2D",),
        latent_channels=4,
        norm_num_groups=8,
    ).eval()


def step_timer(module):
    """Forward hooks on the (compiled) transformer that time each call."""
    times = []
    module.register_forward_pre_hook(lambda m, a: times.append(-time.perf_counter()))
    module.register_forward_hook(lambda m, a, o: times.__setitem__(-1, times[-1] + time.perf_counter()))
    return times


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="dit-s-28", choices=sorted(PRESETS))
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument(
        "--inner",
        default="inductor",
        choices=["inductor", "eager"],
        help="compiler of both sides (eager: no compile time, no meaningful speed)",
    )
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: the free cores)")
    args = ap.parse_args(argv)
    threads = timing.pin_threads(args.threads)
    steps = args.steps

    model = random_dit(args.preset)
    pipe = DiTPipeline(transformer=model, vae=tiny_vae(), scheduler=DDIMScheduler())
    pipe.set_progress_bar_config(disable=True)

    base = torch.compile(model, backend=args.inner)
    # defaults: boundary round(0.75 * blocks) (21 of 28), warmup 0.4, stop 0.95, N=2
    bd = torch.compile(model, backend="blockdance", options={"inner": args.inner})
    bdcompile.attach(pipe, model=bd)  # the schedule follows pipe.scheduler's steps
    times = step_timer(bd)

    def run(transformer):
        def go():
            pipe.transformer = transformer
            pipe(
                class_labels=[3, 7],
                num_inference_steps=steps,
                generator=torch.Generator().manual_seed(0),
                output_type="np",
            )

        return go

    with timing.show_compiles():
        walls = timing.time_interleaved({args.inner: run(base), "blockdance": run(bd)}, repeats=args.repeats)
    pipe.transformer = bd

    info = bdcompile.explain(pipe.transformer)
    actions = [e[3] for e in info["log"]][-steps:]
    per = {a: sorted(t for t, b in zip(times[-steps:], actions, strict=True) if b == a) for a in ("full", "reuse")}
    print(info)
    for a, ts in per.items():
        if ts:
            print(f"{a:>5} step: median {ts[len(ts) // 2] * 1000:.1f} ms over {len(ts)} steps")
    print(
        f"end to end ({steps} steps, CFG, VAE decode included, {threads} thread(s)): {args.inner} "
        f"{timing.describe(walls[args.inner])}, blockdance {timing.describe(walls['blockdance'])}, speedup "
        f"{timing.speedup(walls[args.inner], walls['blockdance'])} (theoretical, blocks only: "
        f"{info['theoretical_speedup']:.3f}x)"
    )
    for w in timing.warnings(walls, threads):
        print(f"WARNING: {w}")


if __name__ == "__main__":
    main()

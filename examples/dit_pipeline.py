"""A real diffusers pipeline (DiTPipeline, 28 blocks, random weights, offline) with backend="blockdance".

    python examples/dit_pipeline.py

Prints the time per step of the full and the reuse variant and the end-to-end time against
backend="inductor"; the transformer and the pipeline code are unmodified.
"""
import time

import torch
from diffusers import AutoencoderKL, DDIMScheduler, DiTPipeline

import bdcompile
from bdcompile.bench import random_dit

STEPS = 30


def tiny_vae():
    torch.manual_seed(0)
    return AutoencoderKL(block_out_channels=(32,), down_block_types=("DownEncoderBlock2D",),
                         up_block_types=("UpDecoderBlock2D",), latent_channels=4, norm_num_groups=8).eval()


def step_timer(module):
    """Forward hooks on the (compiled) transformer that time each call."""
    times = []
    module.register_forward_pre_hook(lambda m, a: times.append(-time.perf_counter()))
    module.register_forward_hook(lambda m, a, o: times.__setitem__(-1, times[-1] + time.perf_counter()))
    return times


def run(pipe):
    t0 = time.perf_counter()
    pipe(class_labels=[3, 7], num_inference_steps=STEPS, generator=torch.Generator().manual_seed(0), output_type="np")
    return time.perf_counter() - t0


def main():
    model = random_dit("dit-s-28")
    pipe = DiTPipeline(transformer=model, vae=tiny_vae(), scheduler=DDIMScheduler())
    pipe.set_progress_bar_config(disable=True)

    base = torch.compile(model, backend="inductor")
    bd = torch.compile(model, backend="blockdance")  # defaults: boundary 21 of 28, warmup 0.4, stop 0.95, N=2
    bdcompile.attach(pipe, model=bd)  # the schedule follows pipe.scheduler's steps
    times = step_timer(bd)
    walls = {"inductor": [], "blockdance": []}
    for round_ in range(3):  # round 0 compiles; then alternate so that machine load hits both alike
        for name, transformer in (("inductor", base), ("blockdance", bd)):
            pipe.transformer = transformer
            wall = run(pipe)
            if round_:
                walls[name].append(wall)
    base_s, bd_s = min(walls["inductor"]), min(walls["blockdance"])
    pipe.transformer = bd

    info = bdcompile.explain(pipe.transformer)
    actions = [e[3] for e in info["log"]][-STEPS:]
    per = {a: sorted(t for t, b in zip(times[-STEPS:], actions) if b == a) for a in ("full", "reuse")}
    print(info)
    for a, ts in per.items():
        print(f"{a:>5} step: median {ts[len(ts) // 2] * 1000:.1f} ms over {len(ts)} steps")
    print(f"end to end ({STEPS} steps, CFG, VAE decode included): inductor {base_s:.3f} s, blockdance {bd_s:.3f} s, "
          f"speedup {base_s / bd_s:.3f}x (theoretical, blocks only: {info['theoretical_speedup']:.3f}x)")


if __name__ == "__main__":
    main()

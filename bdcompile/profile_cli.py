"""``bdcompile profile``: block x step change heatmap and a recommended schedule."""
from __future__ import annotations

import torch

from .bench import denoise, random_dit
from .profile import profile_blocks, recommend


def _generator(model_name: str, steps: int):
    if model_name == "digits":
        from .zoo import digits as zoo

        labels = torch.arange(10)
        return zoo.load_transformer(), lambda m: zoo.sample(m, labels=labels, num_steps=steps, generator=torch.Generator().manual_seed(0))
    return random_dit(model_name), lambda m: denoise(m, steps, batch=2)


def run_profile(args) -> int:
    model, generate = _generator(args.model, args.steps)
    prof = profile_blocks(model, generate)
    rec = recommend(prof, threshold=args.threshold, interval=args.interval)
    nb, steps = prof.rel_change.shape
    late = prof.rel_change[:, int(0.4 * steps):]
    thirds = [late[i * nb // 3:(i + 1) * nb // 3].nanmean().item() for i in range(3)]
    print(f"{args.model}: {nb} blocks, {steps} steps; mean relative change per step over the last 60% of steps:")
    print(f"  shallow third {thirds[0]:.4f}   middle third {thirds[1]:.4f}   deep third {thirds[2]:.4f}")
    for i, b in enumerate(prof.blocks):
        row = prof.rel_change[i, 1:]
        print(f"  {b:<28} " + " ".join(f"{v:5.3f}" for v in row[:: max(1, len(row) // 12)].tolist()))
    if rec.get("boundary") is not None:
        print(f"recommended (cached value drifts <= {args.threshold} per reuse): boundary={rec['boundary']} "
              f"warmup={rec['warmup']} stop={rec['stop']} interval={rec['interval']} "
              f"-> theoretical speedup {rec['theoretical_speedup']:.3f}x")
    else:
        print(rec["note"])
    prof.plot(args.out, title=f"{args.model}: relative change of block outputs between steps")
    print(f"wrote {args.out}")
    return 0

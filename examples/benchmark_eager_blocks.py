"""Block-level reuse on a graph-broken forward: HiDream (MoE feed-forward with torch.bincount in every block, so
dynamo runs its forward eagerly and compiles each block alone) through backend="blockdance", against the same
compiled blocks without caching, side by side in one run.

    python examples/benchmark_eager_blocks.py [--layers 6] [--steps 20] [--rounds 5]

Both sides: torch.compile(model, backend=...) with Inductor compiling the blocks' frames; the uncached side is
backend="inductor" (the same fragments, no reuse), the cached side backend="blockdance" with its default schedule.
Prints seconds per generation (median of interleaved rounds), the ratio, the theoretical ratio from the plan
and the relative error of the cached model outputs against the uncached ones (feed the same inputs each step:
the error of one step's skip, not of a generation).
"""

from __future__ import annotations

import argparse
import copy
import sys
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=6, help="double-stream and single-stream blocks (each)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--inner", choices=["inductor", "eager"], default="inductor", help="compiler of the blocks' frames")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    from families import FAMILIES

    import bdcompile
    from bdcompile import timing

    def rel(a, b):
        return ((a - b).norm() / b.norm()).item()

    fam = FAMILIES["hidream"]
    torch.manual_seed(0)
    model = fam.build(
        num_layers=args.layers,
        num_single_layers=args.layers,
        attention_head_dim=32,
        axes_dims_rope=(8, 12, 12),
        num_attention_heads=4,
        max_resolution=(32, 32),
        llama_layers=tuple(range(2 * args.layers)),
    ).eval()
    g = torch.Generator().manual_seed(0)
    kwargs = dict(
        hidden_states=torch.randn(2, 4, 32, 32, generator=g),
        encoder_hidden_states_t5=torch.randn(2, 16, 8, generator=g),
        encoder_hidden_states_llama3=torch.randn(2 * args.layers, 2, 16, 4, generator=g),
        pooled_embeds=torch.randn(2, 8, generator=g),
    )
    ts = [1000.0 * (1 - i / args.steps) for i in range(args.steps)]
    models = {
        f"{args.inner} (uncached)": torch.compile(copy.deepcopy(model), backend=args.inner),
        "blockdance (blocks at their calls)": torch.compile(
            model, backend="blockdance", options=dict(num_steps=args.steps, timestep_arg="timesteps", inner=args.inner)
        ),
    }

    def generate(m):
        outs = []
        with torch.no_grad(), bdcompile.generation(m, num_steps=args.steps):
            for t in ts:
                outs.append(m(**kwargs, timesteps=torch.full((2,), t), return_dict=False)[0])
        return torch.stack(outs)

    runs = timing.time_interleaved({name: (lambda m=m: generate(m)) for name, m in models.items()}, args.rounds)
    (ref, ref_t), (bd, bd_t) = runs.items()
    info = bdcompile.explain(models[bd])
    print(
        f"\nHiDream {args.layers}+{args.layers} blocks (4 heads x 32), 32x32x4 latent, batch 2, {args.steps} steps, "
        f"{args.threads} thread(s)"
    )
    for name, t in runs.items():
        print(f"  {name:<36} {timing.describe(t, unit=' per generation')}, first generation {t.first_s:.1f} s")
    print(
        f"  speedup {timing.speedup(ref_t, bd_t)} per round; theoretical "
        f"{info['theoretical_speedup']:.2f}x (plan {''.join('F' if a == 'full' else 'r' for a in info['plan'])}); "
        f"relative error of the outputs vs uncached {rel(bd_t.output, ref_t.output):.3f} (all steps), "
        f"{rel(bd_t.output[-1], ref_t.output[-1]):.3f} (last step)"
    )
    for w in timing.warnings(runs):
        print("warning:", w)


if __name__ == "__main__":
    main()

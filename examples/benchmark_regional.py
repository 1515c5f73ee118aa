"""Regional compilation (diffusers' ``compile_repeated_blocks``: each block compiled in place, the forward plain
Python) with and without BlockDance, and the whole model compiled as one graph, side by side in one run on a Flux
transformer.

    python examples/benchmark_regional.py [--layers 4] [--single 8] [--steps 20] [--rounds 5]

Columns: ``model.compile_repeated_blocks(backend="inductor")`` (uncached), the same with backend="blockdance"
(blocks cached at their calls, Inductor inside), and ``torch.compile(model, backend="blockdance")`` (one graph,
the variants of the graph path). Prints seconds per generation (median of interleaved rounds in a rotated order,
``bdcompile.timing``), the ratios to the uncached regional model with their range over rounds, the theoretical
ratio of the plan, and the relative error of each cached model's outputs against the uncached ones (the same
inputs every step: the error of one step's skip).
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
    ap.add_argument("--layers", type=int, default=4, help="double-stream blocks")
    ap.add_argument("--single", type=int, default=8, help="single-stream blocks")
    ap.add_argument("--size", type=int, default=32, help="latent height and width (tokens: size x size)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--inner", choices=["inductor", "eager"], default="inductor", help="compiler of the blocks")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    from families import FAMILIES, _flux_ids

    import bdcompile
    from bdcompile import timing

    fam = FAMILIES["flux"]
    torch.manual_seed(0)
    heads, dim, txt = 4, 32, 16
    model = fam.build(
        num_layers=args.layers,
        num_single_layers=args.single,
        attention_head_dim=dim,
        num_attention_heads=heads,
        axes_dims_rope=[8, 12, 12],
    ).eval()
    g = torch.Generator().manual_seed(0)
    img_ids, txt_ids = _flux_ids(args.size, args.size, txt)
    kwargs = dict(
        hidden_states=torch.randn(1, args.size * args.size, 4, generator=g),
        encoder_hidden_states=torch.randn(1, txt, 16, generator=g),
        pooled_projections=torch.randn(1, 16, generator=g),
        img_ids=img_ids,
        txt_ids=txt_ids,
        guidance=torch.full((1,), 3.5),
    )
    ts = [1.0 - i / args.steps for i in range(args.steps)]
    options = dict(num_steps=args.steps, inner=args.inner)

    regional_plain, regional_bd, whole_bd = copy.deepcopy(model), copy.deepcopy(model), model
    regional_plain.compile_repeated_blocks(backend=args.inner)
    regional_bd.compile_repeated_blocks(backend="blockdance", options=options)
    models = {
        f"regional {args.inner} (uncached)": regional_plain,
        "regional blockdance": regional_bd,
        "whole-model blockdance": torch.compile(whole_bd, backend="blockdance", options=options),
    }

    def generate(m):
        outs = []
        with torch.no_grad(), bdcompile.generation(m, num_steps=args.steps):
            for t in ts:
                outs.append(m(**kwargs, timestep=torch.full((1,), t), return_dict=False)[0])
        return torch.stack(outs)

    def rel(a, b):
        return ((a - b).norm() / b.norm()).item()

    runs = timing.time_interleaved({name: (lambda m=m: generate(m)) for name, m in models.items()}, args.rounds)
    base = next(iter(models))
    info = bdcompile.explain(regional_bd)
    print(
        f"\nFlux {args.layers}+{args.single} blocks ({heads} heads x {dim}), {args.size * args.size} image tokens, "
        f"batch 1, {args.steps} steps, {args.threads} thread(s); plan "
        f"{''.join('F' if a == 'full' else 'r' for a in info['plan'])}, theoretical "
        f"{info['theoretical_speedup']:.2f}x"
    )
    for name, t in runs.items():
        line = f"  {name:<34} {timing.describe(t, unit=' per generation')}, first generation {t.first_s:.1f} s"
        if name != base:
            line += (
                f"\n  {'':<34} {timing.speedup(runs[base], t)} over the uncached; relative error vs uncached "
                f"{rel(t.output, runs[base].output):.3f}"
            )
        print(line)
    for w in timing.warnings(runs):
        print("warning:", w)


if __name__ == "__main__":
    main()

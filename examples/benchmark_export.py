"""Per-step time of the blockdance torch backend vs the exported runners, side by side.

    python examples/benchmark_export.py                    # 28-block PixArt-like model, 20 steps, CPU
    python examples/benchmark_export.py --formats onnx --threads 2 --steps 50
    python examples/benchmark_export.py --layers 4 --formats onnx --inner eager   # a quick check of the plumbing

One PixArt-alpha-like transformer (random weights, small width and latent so that it runs on a CPU; any
--layers: the boundary defaults to the backend's rule for that many blocks) is run through the same
denoising loop (CFG as one doubled batch, descending timesteps) by:

  inductor          torch.compile(backend="inductor"): every step full, no caching (reference)
  blockdance        torch.compile(backend="blockdance", options={..., "inner": "inductor"})
  onnxruntime       bdcompile.export -> ONNX full/reuse variants, onnxruntime CPU, IO binding
  aoti              bdcompile.export -> AOTInductor packages of the variants

and every call is timed and labeled with what ran (full / reuse).  Runtimes alternate generation by
generation so that machine drift hits them alike; medians are reported, with the spread of whole
generations and a warning when the machine is too busy for the figures to mean anything. The export goes
to a temporary folder removed at the end (--out DIR keeps it).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch

from bdcompile import timing


def pixart_like(layers: int, heads: int, head_dim: int, size: int, caption: int, seed: int = 0):
    from diffusers import PixArtTransformer2DModel

    torch.manual_seed(seed)
    return PixArtTransformer2DModel(
        sample_size=size,
        num_layers=layers,
        patch_size=2,
        attention_head_dim=head_dim,
        num_attention_heads=heads,
        caption_channels=caption,
        in_channels=4,
        cross_attention_dim=heads * head_dim,
        out_channels=8,
        attention_bias=True,
        activation_fn="gelu-approximate",
        num_embeds_ada_norm=1000,
        norm_type="ada_norm_single",
        norm_elementwise_affine=False,
        norm_eps=1e-6,
        use_additional_conditions=False,
    ).eval()


def generation(fn, actions_of, steps: int, batch: int, size: int, text: torch.Tensor):
    """One denoising loop; returns (final latents, [(seconds, action) per call])."""
    g = torch.Generator().manual_seed(0)
    latents = torch.randn(batch, 4, size, size, generator=g)
    ts = [int(t) for t in torch.linspace(999, 0, steps).round()]
    calls = []
    with torch.no_grad():
        for t in ts:
            kw = dict(
                hidden_states=latents,
                encoder_hidden_states=text,
                timestep=torch.full((batch,), t),
                added_cond_kwargs={"resolution": None, "aspect_ratio": None},
                return_dict=False,
            )
            t0 = time.perf_counter()
            out = fn(**kw)[0]
            calls.append([time.perf_counter() - t0, None])
            latents = latents - out[:, :4] / steps
    for c, a in zip(calls, actions_of(len(calls)), strict=True):
        c[1] = a
    return latents, calls


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=28)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--size", type=int, default=16, help="latent height = width (tokens = (size/2)^2)")
    ap.add_argument("--caption", type=int, default=128, help="text embedding width")
    ap.add_argument("--text-len", type=int, default=16)
    ap.add_argument("--batch", type=int, default=2, help="2 = one prompt with CFG as a doubled batch")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch / onnxruntime threads (0: the free cores)")
    ap.add_argument("--boundary", type=int, default=None, help="default: round(0.75 * layers), within [1, layers - 1]")
    ap.add_argument("--warmup", type=float, default=0.4)
    ap.add_argument("--stop", type=float, default=0.95)
    ap.add_argument("--interval", type=int, default=2)
    ap.add_argument("--formats", nargs="+", default=["onnx", "aoti"], choices=["onnx", "aoti"])
    ap.add_argument(
        "--inner",
        default="inductor",
        choices=["inductor", "eager"],
        help="compiler of the torch.compile rows (eager: no compile time, no meaningful speed)",
    )
    ap.add_argument("--out", default=None, help="export directory, kept (default: a temporary one, removed at the end)")
    ap.add_argument("--skip-export", action="store_true", help="reuse the export already in --out (same arguments)")
    args = ap.parse_args(argv)
    if args.skip_export and not args.out:
        ap.error("--skip-export needs --out (the folder of an earlier export)")
    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bd_export_bench_"))
    try:
        run(args, out_dir)
    finally:
        if not args.out:
            shutil.rmtree(out_dir, ignore_errors=True)


def run(args, out_dir: Path):
    import onnxruntime as ort

    import bdcompile
    from bdcompile.export import export_variants, load
    from bdcompile.options import default_boundary

    args.threads = timing.pin_threads(args.threads)
    if args.boundary is None:
        args.boundary = default_boundary(args.layers)
    model = pixart_like(args.layers, args.heads, args.head_dim, args.size, args.caption)
    text = torch.randn(args.batch, args.text_len, args.caption, generator=torch.Generator().manual_seed(1))
    opts = dict(
        boundary=args.boundary, warmup=args.warmup, stop=args.stop, interval=args.interval, num_steps=args.steps
    )
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(
        f"PixArt-like: {args.layers} blocks x {args.heads * args.head_dim} wide ({params:.1f}M params), latent "
        f"{args.size}x{args.size} ({(args.size // 2) ** 2} tokens), text {args.text_len}x{args.caption}, batch "
        f"{args.batch}, {args.steps} steps, boundary {args.boundary}, {args.threads} thread(s), "
        f"torch {torch.__version__}, "
        f"onnxruntime {ort.__version__}"
    )

    example = dict(
        hidden_states=torch.randn(args.batch, 4, args.size, args.size),
        encoder_hidden_states=text,
        timestep=torch.full((args.batch,), 999),
        added_cond_kwargs={"resolution": None, "aspect_ratio": None},
        return_dict=False,
    )
    setup = {}
    t0 = time.perf_counter()
    if args.skip_export:
        import json

        manifest = json.loads((out_dir / "manifest.json").read_text())
    else:
        with timing.stage(f"export ({', '.join(args.formats)}) -> {out_dir}"):
            manifest = export_variants(model, example, out_dir, formats=tuple(args.formats), **opts)
    print(f"plan {manifest['plan']} (F full, r reuse)")

    strategies = {}
    base = torch.compile(model, backend=args.inner)
    strategies[f"{args.inner} (no cache)"] = (base, lambda n: ["full"] * n)
    bd = torch.compile(model, backend="blockdance", options=dict(opts, inner=args.inner))
    strategies["blockdance backend"] = (bd, lambda n: [e[3] for e in bdcompile.explain(bd)["log"]][-n:])
    load_s = {}
    if "onnx" in args.formats:
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        so.inter_op_num_threads = 1
        t0 = time.perf_counter()
        r = load(out_dir, format="onnx", session_options=so, schedule=opts)
        load_s["onnxruntime CPU"] = time.perf_counter() - t0
        strategies["onnxruntime CPU"] = (r, lambda n, r=r: r.actions[-n:])
    if "aoti" in args.formats:
        t0 = time.perf_counter()
        r = load(out_dir, format="aoti", schedule=opts)
        load_s["AOTInductor"] = time.perf_counter() - t0
        strategies["AOTInductor"] = (r, lambda n, r=r: r.actions[-n:])

    results = {name: [] for name in strategies}
    gens = {name: timing.Timing(name) for name in strategies}  # whole generations: spread and busy-machine warnings
    finals = {}
    with timing.show_compiles():
        for name, (fn, actions) in strategies.items():  # first generation: compiles (torch.compile) / warms up
            with timing.stage(f"first generation of {name} (compiles, warms up)") as st:
                finals[name], _ = generation(fn, actions, args.steps, args.batch, args.size, text)
            setup[name] = st.elapsed + load_s.get(name, 0.0)
    for _ in range(args.repeats):
        for name, (fn, actions) in strategies.items():
            _, calls = generation(fn, actions, args.steps, args.batch, args.size, text)
            results[name].append(calls)
            gens[name].times.append(sum(c[0] for c in calls))
            gens[name].load.append(timing.load())

    ref = finals["blockdance backend"]
    print(
        f"\n{'runtime':<22}{'full ms':>9}{'reuse ms':>10}{'ms/step':>9}{'cache x':>9}{'vs inductor':>13}{'gen s':>8}"
        f"{'first gen s':>13}{'rel diff':>10}"
    )
    base_step = None
    for name, runs in results.items():
        med = {}
        for action in ("full", "reuse"):
            times = [c[0] for calls in runs for c in calls if c[1] == action]
            med[action] = statistics.median(times) if times else float("nan")
        plan_actions = [c[1] for c in runs[-1]]
        step = sum(med[a] for a in plan_actions) / len(plan_actions)  # per-call medians weighted by the plan
        base_step = base_step or step
        gen = statistics.median(sum(c[0] for c in calls) for calls in runs)
        diff = float((finals[name] - ref).norm() / ref.norm())
        print(
            f"{name:<22}{1e3 * med['full']:>9.2f}{1e3 * med['reuse']:>10.2f}{1e3 * step:>9.2f}"
            f"{med['full'] / step:>8.3f}x"
            f"{base_step / step:>12.3f}x{gen:>8.3f}{setup[name]:>13.1f}{diff:>10.1e}"
        )
    plan = manifest["plan"]
    nb = len(manifest["blocks"]["names"])
    theo = bdcompile.theoretical_speedup(["full" if c == "F" else "reuse" for c in plan], nb, args.boundary)
    print(
        f"\nplan {plan}: {plan.count('r')} reuse steps of {len(plan)}, theoretical speedup (block evaluations) "
        f"{theo:.3f}x"
    )
    print(
        "full/reuse ms: median per call; ms/step: those medians weighted by what ran at each step; cache x: full ms "
        "/ ms/step (the schedule's gain within one runtime);\nvs inductor: ms/step of plain torch.compile / this "
        "one; "
        "gen s: median wall time of a whole generation; first gen s: loading + the first generation\n(compilation, "
        "session warm-up); rel diff: final latents vs the blockdance backend"
    )
    for name, t in gens.items():
        print(f"  {name:<22} whole generation {timing.describe(t)}")
    for w in timing.warnings(gens, args.threads):
        print(f"WARNING: {w}")


if __name__ == "__main__":
    main()

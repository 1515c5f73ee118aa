"""Command line: ``bdcompile demo | profile | bench | tradeoff | export | serve | doctor | frontier``."""
from __future__ import annotations

import argparse
import sys


def _demo(args):
    from .demo import run_demo

    return run_demo(out=args.out, steps=args.steps, per_class=args.per_class)


def _profile(args):
    from .profile_cli import run_profile

    return run_profile(args)


def _bench(args):
    from .bench_cli import run_bench

    return run_bench(args)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="bdcompile", description="BlockDance as a torch.compile backend")
    sub = ap.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="digits from the embedded DiT, uncached vs backend='blockdance', side by side")
    d.add_argument("--out", default="bdcompile_demo.png", help="side-by-side PNG to write")
    d.add_argument("--steps", type=int, default=30)
    d.add_argument("--per-class", type=int, default=2, help="digits generated per class (10 classes)")
    d.set_defaults(fn=_demo)

    p = sub.add_parser("profile", help="per-block step-to-step change heatmap and a schedule recommendation")
    p.add_argument("--model", default="digits", help="'digits' (embedded model) or a random preset: tiny, dit-s-28, pixart-alpha")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--threshold", type=float, default=0.1, help="largest relative change of the cached value per step")
    p.add_argument("--interval", type=int, default=2)
    p.add_argument("--out", default="bdcompile_profile.png")
    p.set_defaults(fn=_profile)

    b = sub.add_parser("bench", help="speed and quality of eager, inductor, blockdance schedules and peers, side by side")
    b.add_argument("--model", default="digits", help="'digits' (embedded model) or a random preset: tiny, dit-s-28, pixart-alpha")
    b.add_argument("--steps", type=int, default=50)
    b.add_argument("--repeats", type=int, default=3)
    b.add_argument("--schedules", nargs="*", default=None,
                   help="blockdance schedules as key=value,... e.g. 'boundary=9,interval=2' 'reuse=forecast,interval=3'")
    b.add_argument("--no-peers", action="store_true", help="skip diffusers' cache hooks")
    b.add_argument("--out", default="bdcompile_bench", help="prefix of the .csv, .json and .png written")
    b.set_defaults(fn=_bench)

    from .tradeoff import add_parser as add_tradeoff_parser

    add_tradeoff_parser(sub)

    try:
        from .export.cli import add_export_parser  # noqa: F401
    except ImportError:
        add_export_parser = None
    if add_export_parser is not None:
        add_export_parser(sub)

    from .commands import doctor, frontier, serve

    serve.add_parser(sub)
    doctor.add_parser(sub)
    frontier.add_parser(sub)

    args = ap.parse_args(argv)
    return args.fn(args) or 0


if __name__ == "__main__":
    sys.exit(main())

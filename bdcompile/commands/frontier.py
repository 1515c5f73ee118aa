"""``bdcompile frontier``: every caching strategy on the embedded MMDiT, side by side, in one run.

    bdcompile frontier                                   # the default set (39 strategies; 37 of them: 33 min
                                                         # on a busy 2-core machine with --per-class 1 --rounds 2)
    bdcompile frontier --list                            # the default set, by name
    bdcompile frontier --strategies "blockdance N=3" "fbc:threshold=0.1" "dbcache:Fn=1,Bn=0,threshold=0.2"
    bdcompile frontier --blockdance '{"reuse": "forecast", "interval": 3}' --no-peers
    bdcompile frontier --add "magcache:threshold=0.06,compile=true" "pab:compile=true"   # the default set and more

Strategies: eager (the quality reference) and ``torch.compile(backend="inductor")`` (the speed reference),
the blockdance option sets (``bdcompile.peers.BLOCKDANCE_OPTIONS``, or ``--blockdance JSON`` for any option
dict of the backend), and the peers: diffusers' FirstBlockCache, TaylorSeerCache, MagCache (calibrated on
the workload first), PyramidAttentionBroadcast, and cache-dit's DBCache (``pip install 'bdcompile[peers]'``),
each compiled with Inductor where it runs and eagerly where it cannot (the table says which and why).
A strategy spec is a name of the default set or ``kind:key=value,...`` (see ``bdcompile.peers.from_spec``).

Each strategy runs in a process of its own (dynamo state is per process). Same seeds and steps for all:
one warm-up call (the compile), then ``--rounds`` timed calls alternated across strategies. Writes
PREFIX.csv, PREFIX.json and PREFIX.png (speed over Inductor vs PSNR, the Pareto envelope per family).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from . import common
from .common import POSITIVE


def add_parser(subparsers) -> argparse.ArgumentParser:
    f = subparsers.add_parser(
        "frontier",
        help="every caching strategy and peer on the embedded MMDiT: speed vs quality, Pareto plot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    f.add_argument(
        "--model",
        default="mnist-mmdit",
        choices=["mnist-mmdit", "tiny"],
        help="mnist-mmdit: the embedded model; tiny: a 4-block random SD3 (smoke tests)",
    )
    f.add_argument("--steps", type=POSITIVE, default=20)
    f.add_argument("--per-class", type=POSITIVE, default=2, help="digits per class per call (mnist-mmdit): 20 images")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--rounds", type=POSITIVE, default=3, help="timed calls per strategy, alternated across strategies")
    f.add_argument(
        "--threads", type=POSITIVE, default=1, help="torch threads per strategy (1: stable on a shared machine)"
    )
    f.add_argument(
        "--strategies",
        nargs="*",
        default=None,
        help="names of the default set or kind:key=value specs (default: the whole default set)",
    )
    f.add_argument(
        "--add",
        nargs="*",
        default=[],
        metavar="SPEC",
        help="strategies appended to the default set (or to --strategies), e.g. 'pab:compile=true'",
    )
    f.add_argument(
        "--blockdance",
        action="append",
        default=[],
        metavar="JSON",
        help="an extra blockdance option dict, e.g. '{\"interval\": 3}' (repeatable)",
    )
    f.add_argument("--no-peers", action="store_true", help="references and blockdance only")
    f.add_argument("--no-references", action="store_true", help="do not add eager / inductor when missing")
    f.add_argument("--list", action="store_true", help="print the default set and exit")
    f.add_argument(
        "--out",
        type=common.prefix_out("bdcompile_frontier"),
        default="bdcompile_frontier",
        help="prefix of the .csv, .json and .png written (a folder: bdcompile_frontier in it)",
    )
    f.set_defaults(fn=run)
    return f


def strategies_from_args(args) -> list:
    from .. import peers as P

    if args.strategies:
        out = [P.from_spec(s) for s in args.strategies]
    else:
        out = P.default_strategies(peers=not args.no_peers)
    out += [P.from_spec(s) for s in args.add]
    for text in args.blockdance:
        opts = json.loads(text)
        if not isinstance(opts, dict):
            raise SystemExit(f"--blockdance expects a JSON object, got {text!r}")
        out.append(P.blockdance(opts))
    return out


def run(args) -> int:
    from .. import frontier as F
    from .. import peers as P

    if args.list:
        for s in P.default_strategies(peers=not args.no_peers):
            print(f"{s.name:36s} {s.family:28s} {'compiled' if s.compile else 'eager'}")
        ok, why = P.available("dbcache")
        if not ok:
            print(f"(cache-dit DBCache left out: {why})")
        return 0
    try:
        strategies = strategies_from_args(args)
    except (ValueError, TypeError) as e:
        print(f"bdcompile frontier: {e}", file=sys.stderr)
        return 2
    if args.model == "tiny":
        workload = F.tiny_sd3_workload(num_steps=args.steps, seed=args.seed)
    else:
        workload = F.mnist_mmdit_workload(num_steps=args.steps, per_class=args.per_class, seed=args.seed)
    res = F.run_frontier(
        workload, strategies, rounds=args.rounds, threads=args.threads, references=not args.no_references
    )
    res.command = "bdcompile " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if sys.argv[1:2] == ["frontier"] else ["frontier"])
    )
    F.print_table(res)
    files = F.write_outputs(res, args.out)
    print("wrote " + ", ".join(files))
    return 0 if all(not r.get("error") for r in res.rows) else 1

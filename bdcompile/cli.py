"""Command line: ``bdcompile demo | profile | bench | tradeoff | export | serve | doctor | frontier | calibrate``.

Each command is a module of :mod:`bdcompile.commands` with ``add_parser(subparsers)`` and ``run(args)``;
a new command is one line in ``COMMANDS``. Command modules import torch only inside ``run``, so
``bdcompile --help`` and ``bdcompile <command> --help`` answer in a fraction of a second.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMANDS = [
    "demo",
    "profile",
    "bench",
    "tradeoff",
    "export",
    "serve",
    "doctor",
    "frontier",
    "calibrate",
]


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="bdcompile", description="BlockDance as a torch.compile backend")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.commands.{name}").add_parser(sub)
    return ap


def _user_error(e: BaseException) -> bool:
    """An error that tells the user what to change (bdcompile's own messages: a bad option, file or manifest, a
    missing optional dependency with what to install; a missing file): one line, not a traceback."""
    if isinstance(e, FileNotFoundError):
        return True
    return isinstance(e, (ValueError, ImportError, RuntimeError, OSError)) and str(e).startswith(
        ("blockdance", "bdcompile")
    )


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    # diffusers' SD3 pipeline imports transformers, whose image processors warn about torchvision at import
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        return args.fn(args) or 0
    except KeyboardInterrupt:
        print(f"bdcompile {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if not _user_error(e) or os.environ.get("BDCOMPILE_TRACEBACK"):
            raise
        print(f"bdcompile {args.command}: error: {e}", file=sys.stderr)
        print("(BDCOMPILE_TRACEBACK=1 shows where it was raised)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

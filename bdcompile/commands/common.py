"""What the commands share: help formatting, the --model and --threads options, warnings. No torch here."""

from __future__ import annotations

import argparse
import sys


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after each option's help (not for flags and unset options); the description printed
    as written, without reStructuredText's double backquotes."""

    def _get_help_string(self, action):
        if action.default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return action.help
        return super()._get_help_string(action)

    def _format_text(self, text):
        return super()._format_text(text.replace("``", ""))


def model_names() -> list[str]:
    from ..workloads import MODELS

    return MODELS


def add_model(p, random_presets: bool = True) -> None:
    from .. import zoo

    names = model_names() if random_presets else list(zoo.EMBEDDED)
    embedded = "; ".join(f"{k}: {v[1]}" for k, v in zoo.EMBEDDED.items())
    extra = ", or a random-weight DiT preset (tiny, dit-s-28, pixart-alpha)" if random_presets else ""
    p.add_argument("--model", default=zoo.DEFAULT_MODEL, choices=names, help=f"an embedded model ({embedded}){extra}")


def add_threads(p) -> None:
    p.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads; 0: the cores other processes leave free (never more than the free cores)",
    )


def print_warnings(warnings: list[str]) -> None:
    for w in warnings:
        print(f"WARNING: {w}")
        sys.stdout.flush()

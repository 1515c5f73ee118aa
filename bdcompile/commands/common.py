"""What the commands share: help formatting, the --model and --threads options, warnings. No torch here."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after each option's help (not for flags and unset options); the description printed
    as written, without reStructuredText's double backquotes."""

    def _get_help_string(self, action):
        if action.default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return action.help
        return super()._get_help_string(action)

    def _format_text(self, text):
        return super()._format_text(text.replace("``", ""))


def at_least(low: int):
    """An argparse ``type``: an integer >= ``low`` (``--steps 0`` is refused by the parser, with the rule)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is below {low}: give an integer >= {low}")
        return value

    parse.__name__ = f"integer >= {low}"  # argparse names the type in its message
    return parse


POSITIVE = at_least(1)
NON_NEGATIVE = at_least(0)

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".pdf", ".svg")


def _writable_dir(path: Path) -> None:
    """Refuse, before any work, an output whose nearest existing folder cannot be written."""
    here = path
    while not here.exists() and here != here.parent:
        here = here.parent
    if not here.is_dir() or not os.access(here, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write into {here} (not a writable folder)")


def image_out(default_name: str):
    """An argparse ``type`` for an image to write: a file name with an image suffix, or a folder (existing, ending
    in ``/``, or without a suffix) that gets ``default_name``. Checked when the arguments are read, so a long run
    never fails at its last line; the folder is created when the image is written."""

    def parse(text: str) -> str:
        path = Path(text).expanduser()
        if path.is_dir() or text.endswith(("/", os.sep)) or not path.suffix:
            path = path / default_name
        if path.suffix.lower() not in _IMAGE_SUFFIXES:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not an image file name ({', '.join(_IMAGE_SUFFIXES)}) or a folder"
            )
        _writable_dir(path.parent)
        return str(path)

    parse.__name__ = "image path"
    return parse


def prefix_out(default_name: str):
    """An argparse ``type`` for the prefix of the .csv/.json/.png a command writes: a folder (existing or ending in
    ``/``) gets ``default_name`` as the prefix inside it."""

    def parse(text: str) -> str:
        path = Path(text).expanduser()
        if path.is_dir() or text.endswith(("/", os.sep)):
            path = path / default_name
        _writable_dir(path.parent)
        return str(path)

    parse.__name__ = "output prefix"
    return parse


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
        type=NON_NEGATIVE,
        default=0,
        help="torch threads; 0: the cores other processes leave free (never more than the free cores)",
    )


def print_warnings(warnings: list[str]) -> None:
    for w in warnings:
        print(f"WARNING: {w}")
        sys.stdout.flush()

"""The README's code runs as written (its first Python snippet, on the embedded model)."""

from __future__ import annotations

import re
from pathlib import Path

import torch

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_starts_with_the_two_setup_commands():
    lines = README.read_text().splitlines()
    assert lines[0] == "```bash"
    assert lines[1].startswith("pip install") and lines[1].endswith("bdcompile demo")
    assert lines[2].startswith("pip install") and lines[2].endswith("python -m pytest")


def test_readme_snippet_runs_as_written(capsys):
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    assert "pipe = " in code.split("pipe.transformer")[0]  # no undefined pipeline
    # the same code with the eager inner compiler: what it does, without Inductor's compile time
    code = code.replace('"inner": "inductor"', '"inner": "eager"')
    scope: dict = {}
    exec(compile(code, str(README), "exec"), scope)
    assert isinstance(scope["images"], torch.Tensor) and scope["images"].shape == (3, 1, 28, 28)
    out = capsys.readouterr().out
    assert "FFFFFFFFFrFrFrFrFrFF" in out  # 20 steps: warm-up 8, then full/reuse in turn until step 19


def test_readme_options_table_is_the_generated_one():
    """The README's options table is ``bdcompile.options.options_table()`` (the Settings fields' metadata)."""
    from bdcompile.options import options_table

    text = README.read_text()
    marker = "<!-- generated from bdcompile.options.options_table(); tests/test_readme.py checks it -->\n"
    assert marker in text
    table = text.split(marker, 1)[1].split("\n\n", 1)[0]
    assert table == options_table(), (
        "regenerate the README table: python -c 'from bdcompile.options import options_table; print(options_table())'"
    )

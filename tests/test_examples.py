"""Every script in examples/ runs: with its defaults at a tiny size (eager compilers: the plumbing, not the
speed), or ``--help`` where a run needs what CI may not have (a Triton server). In this process (runpy), so
that each script does not pay for importing torch again."""

from __future__ import annotations

import runpy
import sys
import tempfile
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
TINY = "--steps 6 --repeats 1 --inner eager".split()
RUNS = {
    "benchmark.py": ["--preset", "tiny", *TINY],
    "dit_pipeline.py": ["--preset", "tiny", *TINY],
    "benchmark_export.py": ["--layers", "3", "--formats", "onnx", *TINY],
    "benchmark_dispatch.py": ["--calls", "200", "--repeats", "2", "--steps", "10"],
    "family_table.py": ["dit", "sd3"],
    "benchmark_serving.py": ["--help"],  # starts Triton servers: see tests/test_serving.py
    "pipeline_table.py": [str(ROOT / "docs" / "pipelines_blockdance.json")],
    "benchmark_eager_blocks.py": ["--layers", "2", "--steps", "6", "--rounds", "1", "--inner", "eager"],
    "benchmark_regional.py": "--layers 1 --single 2 --size 4 --steps 6 --rounds 1 --inner eager".split(),
}
EXPECT = {
    "benchmark.py": "measured speedup",
    "dit_pipeline.py": "end to end",
    "benchmark_export.py": "theoretical speedup",
    "benchmark_dispatch.py": "us/call",
    "family_table.py": "| dit | DiTTransformer2DModel |",
    "benchmark_serving.py": "usage:",
    "pipeline_table.py": "| pipeline | case | transformer |",
    "benchmark_eager_blocks.py": "theoretical",
    "benchmark_regional.py": "over the uncached",
}


def test_every_example_is_covered():
    assert sorted(p.name for p in (ROOT / "examples").glob("*.py")) == sorted(RUNS)


@pytest.mark.parametrize("script", sorted(RUNS))
def test_example_runs(script, tmp_path, monkeypatch, capsys):
    if script == "benchmark_export.py":
        pytest.importorskip("onnxruntime")
    monkeypatch.setattr(sys, "argv", [script, *RUNS[script]])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    threads = torch.get_num_threads()
    try:
        runpy.run_path(str(ROOT / "examples" / script), run_name="__main__")
    except SystemExit as e:
        assert e.code in (0, None), e.code
    finally:
        torch.set_num_threads(threads)  # the scripts pin threads to the free cores
    out = capsys.readouterr().out
    assert EXPECT[script] in out, out[-2000:]
    if script == "benchmark_export.py":  # its export went to a temporary folder, removed at the end
        assert not list(tmp_path.glob("bd_export_bench_*"))

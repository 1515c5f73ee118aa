"""Every script in examples/ runs: with its defaults at a tiny size (eager compilers: the plumbing, not the
speed), or ``--help`` where a run needs what CI may not have (a Triton server)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = "--steps 6 --repeats 1 --inner eager".split()
RUNS = {
    "benchmark.py": ["--preset", "tiny", *TINY],
    "dit_pipeline.py": ["--preset", "tiny", *TINY],
    "benchmark_export.py": ["--layers", "3", "--formats", "onnx", *TINY],
    "benchmark_dispatch.py": ["--calls", "200", "--repeats", "2", "--steps", "10"],
    "family_table.py": ["dit", "sd3"],
    "benchmark_serving.py": ["--help"],  # starts Triton servers: see tests/test_serving.py
}
EXPECT = {
    "benchmark.py": "measured speedup",
    "dit_pipeline.py": "end to end",
    "benchmark_export.py": "theoretical speedup",
    "benchmark_dispatch.py": "us/call",
    "family_table.py": "| dit | DiTTransformer2DModel |",
    "benchmark_serving.py": "usage:",
}


def test_every_example_is_covered():
    assert sorted(p.name for p in (ROOT / "examples").glob("*.py")) == sorted(RUNS)


@pytest.mark.parametrize("script", sorted(RUNS))
def test_example_runs(script, tmp_path):
    if script == "benchmark_export.py":
        pytest.importorskip("onnxruntime")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), TMPDIR=str(tmp_path),
               TORCHINDUCTOR_CACHE_DIR=os.environ.get("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor")))
    out = subprocess.run([sys.executable, str(ROOT / "examples" / script), *RUNS[script]], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    assert EXPECT[script] in out.stdout, out.stdout[-2000:]
    if script == "benchmark_export.py":  # its export went to a temporary folder, removed at the end
        assert not list(tmp_path.glob("bd_export_bench_*"))

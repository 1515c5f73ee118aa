"""``bdcompile doctor --device cpu``: the real command on the tiny sizes, every row against eager.

AOTInductor is skipped here to keep CI short (its export and runner are tested in test_export.py; the
full doctor, AOTInductor included, took 216 s on the 2-core machine). The server row runs when the
serving venv exists and is reported as skipped otherwise.
"""

from __future__ import annotations

import json

import pytest

from bdcompile.cli import main

pytestmark = pytest.mark.xdist_group("doctor")


def test_doctor_cpu_table(tmp_path, capsys):
    out = tmp_path / "doctor.json"
    code = main(
        ["doctor", "--device", "cpu", "--repeats", "3", "--skip", "aoti", "--budget", "1200", "--json", str(out)]
    )
    text = capsys.readouterr().out
    rows = {r["runtime"]: r for r in json.loads(out.read_text())}
    assert code == 0, text
    assert "| check | runtime | status |" in text
    for name in (
        "PyTorch eager",
        "torch.compile inductor (no cache)",
        "blockdance inner=eager",
        "blockdance inner=inductor",
        "onnxruntime CPUExecutionProvider",
    ):
        assert rows[name]["status"] == "ok", rows[name]
        assert rows[name]["ms_full"] > 0 and rows[name]["err_full"] <= 1e-3
    for name in ("blockdance inner=eager", "blockdance inner=inductor", "onnxruntime CPUExecutionProvider"):
        assert rows[name]["err_reuse"] <= 1e-3 and rows[name]["ms_reuse"] > 0
    assert rows["torch.compile inductor (no cache)"]["vs_inductor_full"] == 1.0
    assert rows["blockdance inner=tensorrt"]["status"] == "skipped"  # not importable on CPU machines
    server = rows["Triton (Python backend, onnx)"]
    assert server["status"] in ("ok", "skipped"), server
    if server["status"] == "ok":
        assert server["err_full"] <= 1e-3 and server["err_reuse"] <= 1e-3

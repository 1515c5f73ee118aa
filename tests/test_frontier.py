"""The frontier harness (bdcompile.frontier) and the ``bdcompile frontier`` command on the tiny SD3 pipeline.

No Inductor compile here (blockdance with ``inner="eager"``, peers eager): the harness's bookkeeping is what
is tested; ``bdcompile frontier`` on the embedded model is the measurement (BENCHMARKS.md).
"""

from __future__ import annotations

import json
import math

import pytest
import torch
from oracle import static_plan

from bdcompile import frontier as F
from bdcompile import peers as P
from bdcompile.metrics import psnr, ssim


@pytest.fixture(scope="module")
def two():
    wl = F.tiny_sd3_workload(num_steps=6, batch=2)
    res = F.run_frontier(
        wl, [P.eager(), P.blockdance({"inner": "eager"}, name="bd")], rounds=2, progress=False, references=False
    )
    return wl, res


def test_two_strategy_run_metrics_come_from_the_outputs(two):
    wl, res = two
    rows = {r["strategy"]: r for r in res.rows}
    assert set(rows) == {"eager", "bd"}
    e, b = rows["eager"], rows["bd"]
    assert e["psnr_db"] == math.inf and e["ssim"] == pytest.approx(1.0) and e["identical_to_eager"]
    # the blockdance row's quality is recomputed here from an independent eager run of the same seeds
    with torch.no_grad():
        ref = wl.call(wl.make_pipe())
        bd_pipe = wl.make_pipe()
        P.blockdance({"inner": "eager"}).apply(bd_pipe, P.PeerContext(wl.num_steps))
        out = wl.call(bd_pipe)
    assert not torch.equal(out, ref)
    assert b["psnr_db"] == pytest.approx(psnr(out, ref), rel=1e-4)
    assert b["ssim"] == pytest.approx(ssim(out, ref), rel=1e-4)
    assert math.isfinite(b["psnr_db"]) and not b["identical_to_eager"]
    for r in (e, b):
        assert len(r["times"]) == 2 and r["median_s"] > 0
        assert r["s_per_image"] == pytest.approx(r["median_s"] / wl.images)
        assert r["spread"] >= 0
        assert "speed_vs_inductor" not in r  # no inductor row: no ratio
        assert r["frames_during_timing"] == 0
    assert e["compiled"] is False and e["graphs"] == 0
    assert b["compiled"] is True and b["graphs"] == 1 and b["graph_breaks"] == 0
    assert b["facts"]["plan"] and b["facts"]["host_reads"] == 0
    # skipped: the fraction of reuse steps of BlockDance's default schedule, planned here by hand (tests/oracle.py)
    plan = static_plan(wl.num_steps, 0.4, 0.95, 2)
    assert "reuse" in plan and b["skipped"] == pytest.approx(plan.count("reuse") / len(plan))
    assert e["skipped"] is None


def test_speed_ratio_per_round():
    res = F.FrontierResult("w", "d", 4, 2, 2, 1, cpus=2, load=[[0.0, 0, 0]])
    wl = F.Workload("w", None, None, 4, 2)
    rows = {
        "inductor": {"strategy": "inductor", "family": "reference", "times": [1.0, 2.0], "first_s": 5.0},
        "x": {"strategy": "x", "family": "f", "times": [0.5, 0.5], "first_s": 1.0},
    }
    F._score(res, rows, {}, wl, progress=False)
    x = rows["x"]
    assert x["speed_vs_inductor"] == pytest.approx(1.5 / 0.5)
    assert (x["ratio_min"], x["ratio_max"]) == (pytest.approx(2.0), pytest.approx(4.0))
    assert rows["inductor"]["spread"] == pytest.approx(1 / 1.5)
    assert any("inductor: timing spread" in w for w in res.warnings)


def test_pareto_envelope():
    pts = [(1.0, 40.0), (1.5, 35.0), (1.2, 30.0), (2.0, 20.0), (0.9, 45.0), (1.5, 34.0)]
    assert F.pareto_envelope(pts) == [(0.9, 45.0), (1.0, 40.0), (1.5, 35.0), (2.0, 20.0)]


def test_failing_strategy_is_reported_not_fatal():
    wl = F.tiny_sd3_workload(num_steps=4, batch=1)
    bad = P.blockdance({"interval": "three", "inner": "eager"}, name="bad")
    res = F.run_frontier(wl, [P.eager(), bad], rounds=1, progress=False, references=False)
    rows = {r["strategy"]: r for r in res.rows}
    assert "interval" in rows["bad"]["error"]
    assert rows["eager"]["psnr_db"] == math.inf


def test_frontier_command_tiny(tmp_path, capsys):
    from bdcompile.cli import main

    out = tmp_path / "fr"
    rc = main(
        [
            "frontier",
            "--model",
            "tiny",
            "--steps",
            "4",
            "--rounds",
            "1",
            "--no-references",
            "--out",
            str(out),
            "--strategies",
            "eager",
            "fbc:threshold=0.5,compile=false",
            "--blockdance",
            '{"inner": "eager", "interval": 3}',
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "[3/3]" in text and "round 1/1" in text and "FBC(0.5) eager" in text
    data = json.loads((out.with_suffix(".json")).read_text())
    assert [r["strategy"] for r in data["rows"]] == ["eager", "FBC(0.5) eager", "blockdance(inner=eager,interval=3)"]
    assert (out.with_suffix(".png")).stat().st_size > 10_000
    header = (out.with_suffix(".csv")).read_text().splitlines()[0].split(",")
    assert {"strategy", "speed_vs_inductor", "psnr_db", "ssim", "graphs", "graph_breaks", "recompiles"} <= set(header)


def test_frontier_list_and_bad_spec(capsys):
    from bdcompile.cli import main

    assert main(["frontier", "--list"]) == 0
    assert "blockdance paper" in capsys.readouterr().out
    assert main(["frontier", "--strategies", "nosuch"]) == 2


def test_skipped_counts_the_adaptive_steps_that_skipped():
    """An adaptive strategy's ``skipped`` counts the steps its probe decided to skip: with an infinite threshold
    every adaptive step (the window from 20% of the steps, after the first full step) skips, with 0 none does."""
    wl = F.tiny_sd3_workload(num_steps=6, batch=2)
    opts = {"inner": "eager", "reuse": "adaptive", "warmup": 0.2, "stop": 1.0}
    strategies = [P.blockdance(dict(opts, threshold=t), name=f"t={t}") for t in (1e9, 0.0)]
    rows = {r["strategy"]: r for r in F.run_frontier(wl, strategies, rounds=1, progress=False, references=False).rows}
    adaptive_steps = sum(1 for s in range(wl.num_steps) if s >= 2)  # steps 0 and 1 (< 20% of 6, rounded up) full
    assert rows["t=1000000000.0"]["skipped"] == pytest.approx(adaptive_steps / wl.num_steps)
    assert rows["t=0.0"]["skipped"] == 0.0

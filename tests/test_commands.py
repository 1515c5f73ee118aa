"""The command line as a new user meets it: fast help, profile with its defaults, export of the embedded
model, configs nested under "config", the demo's PNG, and the timing helper's warnings on a busy machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
RUN_SLOW = os.environ.get("BDC_RUN_SLOW") == "1"


def _env():
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


# ------------------------------------------------------------------------------ help
def test_help_of_every_command_is_fast_and_does_not_import_torch():
    code = """
import sys
from bdcompile.cli import COMMANDS, main
for argv in [["--help"]] + [[c, "--help"] for c in COMMANDS]:
    try:
        main(argv)
    except SystemExit as e:
        assert e.code == 0, (argv, e.code)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "diffusers", "numpy", "matplotlib"))
print("HEAVY", heavy)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
    assert "(default: 20)" in out.stdout  # defaults are shown


# ------------------------------------------------------------------------------ profile
def test_recommend_never_tries_a_warmup_past_stop_and_skips_a_violent_last_step():
    from bdcompile.profile import BlockProfile, recommend

    nb, steps = 8, 30
    rel = torch.full((nb, steps), 0.05)
    rel[:, 0] = float("nan")
    rel[:, -3:] = 2.0  # the sampler's last steps change everything
    prof = BlockProfile([f"b.{i}" for i in range(nb)], rel, rel.clone())
    rec = recommend(prof, threshold=0.1, interval=2, stop=0.95)  # warm-ups up to 29/30 used to raise here
    assert rec["boundary"] is None or rec["warmup"] <= 0.95
    rec = recommend(prof, threshold=0.1, interval=2)  # the stop is searched: the last steps stay full
    assert rec["boundary"] == nb - 1 and rec["stop"] <= 27 / 30 and rec["drift"] <= 0.1
    assert rec["theoretical_speedup"] > 1.2


def test_profile_with_its_defaults_writes_the_heatmap_and_recommends_a_schedule(tmp_path, capsys):
    from bdcompile.cli import main

    png = tmp_path / "profile.png"
    assert main(["profile", "--out", str(png)]) == 0
    out = capsys.readouterr().out
    assert png.stat().st_size > 10_000
    assert "recommended" in out and "options={" in out, out
    speedup = float(out.split("theoretical speedup ")[1].split("x")[0])
    assert speedup > 1.1


# ------------------------------------------------------------------------------ export
def _export_args(argv):
    import argparse

    from bdcompile.commands import export

    ap = argparse.ArgumentParser()
    export.add_parser(ap.add_subparsers(dest="command"))
    return ap.parse_args(["export", "--out", "unused", *argv])


def test_a_config_nested_under_config_is_unwrapped():
    from bdcompile.commands.export import build_model
    from bdcompile.zoo import digits

    args = _export_args(["--model-class", "DiTTransformer2DModel", "--config", str(digits.CONFIG)])
    model, kwargs = build_model(args)
    assert kwargs is None
    assert model.config.num_layers == 12 and model.config.sample_size == 8 and model.config.in_channels == 1


def test_a_config_of_another_model_fails_naming_the_keys(tmp_path):
    from bdcompile.commands.export import build_model
    from bdcompile.zoo import digits

    with pytest.raises(SystemExit, match=r"SD3Transformer2DModel does not take: .*num_embeds_ada_norm"):
        build_model(_export_args(["--model-class", "SD3Transformer2DModel", "--config", str(digits.CONFIG)]))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"layers": 3}))
    with pytest.raises(SystemExit, match="does not take: layers"):
        build_model(_export_args(["--model-class", "DiTTransformer2DModel", "--config", str(bad)]))


def test_export_of_the_embedded_model_through_the_cli(tmp_path):
    pytest.importorskip("onnxruntime")
    from bdcompile import StaticSchedule
    from bdcompile.cli import main
    from bdcompile.export import load
    from bdcompile.metrics import psnr
    from bdcompile.zoo import digits

    out = tmp_path / "digits"
    assert (
        main(
            [
                "export",
                "--model",
                "digits",
                "--num-steps",
                "10",
                "--out",
                str(out),
                "--format",
                "onnx",
                "--dynamic",
                "batch",
            ]
        )
        == 0
    )
    runner = load(out, format="onnx")
    assert len(runner.manifest["blocks"]["names"]) == 12
    model = digits.load_transformer()
    noise = torch.randn(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    want = digits.sample_from_noise(model, noise, [3, 7], num_steps=10)
    got = digits.sample_from_noise(runner, noise, [3, 7], num_steps=10)  # cached: close, not equal
    assert runner.actions[:10] == StaticSchedule().plan(10)
    assert psnr(got, want) > 20


# ------------------------------------------------------------------------------ demo
def test_demo_png_is_readable_side_by_side_with_classes_and_psnr(tmp_path):
    from PIL import Image

    from bdcompile.demo import psnr_per_class, save_png

    labels = torch.arange(10).repeat(2)
    ref = torch.rand(20, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    cached = (ref + 0.01 * torch.arange(20).view(-1, 1, 1, 1) / 20).clamp(0, 1)
    scores = psnr_per_class(ref, cached, labels)
    assert sorted(scores) == list(range(10)) and scores[0] > scores[9]
    path = save_png(tmp_path / "demo.png", ref, cached, labels)
    img = Image.open(path)
    assert img.width >= 2 * 10 * 64 and img.height >= 2 * 64 + 40  # upscaled, two panels, text rows
    left = img.crop((0, 0, img.width // 2, 24)).getextrema()
    assert left[0] < 128  # a title is drawn


@pytest.mark.slow
@pytest.mark.skipif(not RUN_SLOW, reason="compiles with Inductor; BDC_RUN_SLOW=1")
def test_demo_end_to_end(tmp_path, capsys):
    from bdcompile.cli import main

    png = tmp_path / "demo.png"
    assert main(["demo", "--steps", "8", "--per-class", "1", "--repeats", "1", "--out", str(png)]) == 0
    out = capsys.readouterr().out
    assert "speedup of blockdance over inductor" in out and png.exists()


# ------------------------------------------------------------------------------ timing
def test_timing_reports_spread_and_per_round_ratios():
    from bdcompile import timing

    base = timing.Timing("inductor", times=[1.0, 1.1, 0.9], load=[0.5] * 3)
    fast = timing.Timing("blockdance", times=[0.5, 0.55, 0.45], load=[0.5] * 3)
    r = timing.speedup(base, fast)
    assert r.median == pytest.approx(2.0) and r.lo == pytest.approx(2.0) and r.clear
    assert base.spread == pytest.approx(0.2)
    assert "median of 3" in timing.describe(base)
    runs = timing.time_interleaved({"a": lambda: 1, "b": lambda: 2}, repeats=2, progress=False)
    assert len(runs["a"].times) == 2 and runs["b"].output == 2


def test_timing_warns_on_a_busy_machine_and_on_disagreeing_runs(monkeypatch):
    from bdcompile import timing

    monkeypatch.setattr(timing, "cores", lambda: 2)
    calm = [timing.Timing("x", times=[1.0, 1.02, 0.99], load=[1.0, 1.1, 0.9])]
    assert timing.warnings(calm, threads=1) == []
    busy = [timing.Timing("x", times=[1.0, 1.02, 0.99], load=[6.5, 7.0, 6.8])]
    (w,) = timing.warnings(busy, threads=1)
    assert "busy" in w and "7.0" in w
    noisy = [timing.Timing("x", times=[1.0, 2.0, 1.1], load=[1.0] * 3)]
    (w,) = timing.warnings(noisy, threads=1)
    assert "disagree" in w and "x 91%" in w


def test_pin_threads_takes_the_free_cores_not_more(monkeypatch):
    from bdcompile import timing

    before = torch.get_num_threads()
    try:
        monkeypatch.setattr(timing, "cores", lambda: 4)
        monkeypatch.setattr(timing, "load", lambda: 3.2)
        assert timing.pin_threads() == 1 and torch.get_num_threads() == 1
        monkeypatch.setattr(timing, "load", lambda: 0.1)
        assert timing.pin_threads() == 4
        assert timing.pin_threads(2) == 2
        assert timing.pin_threads(16) == 4
    finally:
        torch.set_num_threads(before)


def test_user_errors_are_one_line_and_exit_2_bugs_keep_their_traceback(tmp_path, capsys, monkeypatch):
    """A bad argument is refused by the parser with the rule; an error bdcompile raises for the user (a path that is
    no export, an option out of range) is one line naming the command, exit status 2, no traceback; anything else
    (a bug) still raises, and BDCOMPILE_TRACEBACK=1 shows the traceback of a user error too."""
    from bdcompile import cli

    for argv, says in (
        (["demo", "--steps", "0"], "argument --steps: 0 is below 1: give an integer >= 1"),
        (["export", "--out", str(tmp_path), "--boundary", "-3"], "argument --boundary: -3 is below 1"),
        (["tradeoff", "--intervals", "2", "x"], "argument --intervals: 'x' is not an integer"),
    ):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 2 and says in capsys.readouterr().err, argv

    monkeypatch.delenv("BDCOMPILE_TRACEBACK", raising=False)
    missing = tmp_path / "no-export-here"
    assert cli.main(["serve", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"bdcompile serve: error: blockdance export: {missing} is not a directory")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 2

    def broken(args):
        raise ValueError("list index out of range")  # not a message of ours: a bug, keep the traceback

    def bad_option(args):
        raise ValueError("blockdance: option warmup=2.0 (float) is not allowed")

    ap = cli.parser()
    monkeypatch.setattr(cli, "parser", lambda: ap)
    args = ap.parse_args(["doctor"])
    for fn, raises in ((broken, True), (bad_option, False)):
        monkeypatch.setattr(ap, "parse_args", lambda argv=None, fn=fn: type(args)(**dict(vars(args), fn=fn)))
        if raises:
            with pytest.raises(ValueError, match="list index"):
                cli.main([])
        else:
            assert cli.main([]) == 2
    monkeypatch.setenv("BDCOMPILE_TRACEBACK", "1")
    with pytest.raises(ValueError, match="warmup=2.0"):
        cli.main([])


def test_output_paths_are_checked_before_any_work(tmp_path, capsys):
    """--out of demo/profile (an image) and bench/tradeoff/frontier (a prefix): a folder gets the default file name,
    a non-image name or a folder that cannot exist is refused while the arguments are read (a demo used to run for
    two minutes and then fail on `--out some/folder`)."""
    from bdcompile import cli

    ap = cli.parser()
    assert ap.parse_args(["demo", "--out", str(tmp_path)]).out == str(tmp_path / "bdcompile_demo.png")
    assert ap.parse_args(["demo", "--out", f"{tmp_path}/new/sub/"]).out == f"{tmp_path}/new/sub/bdcompile_demo.png"
    assert ap.parse_args(["profile", "--out", f"{tmp_path}/heat.jpg"]).out == f"{tmp_path}/heat.jpg"
    assert ap.parse_args(["bench", "--out", f"{tmp_path}/"]).out == str(tmp_path / "bdcompile_bench")
    assert ap.parse_args(["frontier", "--out", f"{tmp_path}/run1"]).out == f"{tmp_path}/run1"
    assert ap.parse_args(["demo"]).out == "bdcompile_demo.png"
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    for argv, says in (
        (["demo", "--out", f"{tmp_path}/table.csv"], "is not an image file name"),
        (["demo", "--out", f"{afile}/x.png"], f"cannot write into {afile} (not a writable folder)"),
        (["tradeoff", "--out", f"{afile}/sub/run"], f"cannot write into {afile}"),
    ):
        with pytest.raises(SystemExit):
            ap.parse_args(argv)
        assert says in capsys.readouterr().err, argv

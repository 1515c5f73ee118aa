"""MagCache-style calibration (bdcompile.calibrate): the ratios against diffusers' MagCache calibration and a
hand-run block loop, the plan against a hand-computed example and diffusers' own skip decisions, a calibrated
plan through the backend against the residual oracle, and the errors."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re

import pytest
import torch
from models import sd3_inputs, timesteps, tiny_sd3
from oracle import ResidualOracle, rel_err

import bdcompile
from bdcompile.calibrate import Calibration, calibrate, plan_from_calibration, shipped
from bdcompile.schedules import parse_plan_string

S = 10
LAT = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(7))


def _make(step, t):
    return sd3_inputs(LAT * (1 - 0.08 * step) + 0.05 * step, t)


def _generation(model):
    with torch.no_grad():
        for step, t in enumerate(timesteps(S)):
            model(**_make(step, t))


def test_ratios_equal_diffusers_magcache_calibration():
    from diffusers.hooks import MagCacheConfig, apply_mag_cache

    model = tiny_sd3()
    cal = calibrate(model, _generation, num_steps=S)
    apply_mag_cache(model, MagCacheConfig(calibrate=True, num_inference_steps=S))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        _generation(model)
    theirs = json.loads(re.search(r"Calibration Complete[^\n]*\n\s*(\[[^\]]*\])", buf.getvalue()).group(1))
    assert len(cal.ratios) == S == len(theirs)
    assert cal.ratios == pytest.approx(theirs, rel=1e-5, abs=1e-6)
    assert len(set(round(r, 4) for r in cal.ratios)) > 3  # the ratios move: the comparison is not of constants


def test_prefix_ratios_equal_a_hand_run_block_loop():
    """Residual of blocks [0, 2): the stream entering block 0 and leaving block 1, computed by calling the
    transformer's embedders and blocks by hand; ratio = mean over tokens of the norm ratio, std of them."""
    model = tiny_sd3()
    cal = calibrate(model, _generation, num_steps=S, boundary=2)
    want, stds, prev = [], [], None
    with torch.no_grad():
        for step, t in enumerate(timesteps(S)):
            kw = _make(step, t)
            h = model.pos_embed(kw["hidden_states"])
            temb = model.time_text_embed(kw["timestep"], kw["pooled_projections"])
            e = model.context_embedder(kw["encoder_hidden_states"])
            h0 = h
            for blk in model.transformer_blocks[:2]:
                e, h = blk(hidden_states=h, encoder_hidden_states=e, temb=temb)
            r = h - h0
            if prev is None:
                want.append(1.0)
                stds.append(0.0)
            else:
                per = r.norm(dim=-1) / (prev.norm(dim=-1) + 1e-8)
                want.append(per.mean().item())
                stds.append(per.std().item())
            prev = r
    assert cal.boundary == 2 and cal.num_blocks == 4
    assert cal.ratios == pytest.approx(want, rel=1e-5)
    assert cal.std == pytest.approx(stds, rel=1e-4, abs=1e-7)


def _cal(ratios, blocks=12):
    return Calibration(
        num_steps=len(ratios), num_blocks=blocks, boundary=blocks, ratios=list(ratios), std=[0.0] * len(ratios)
    )


def test_plan_from_a_hand_computed_example():
    # S = 6, retention 0.2: int(1.2 + 0.5) = 1, so step 0 always computes. threshold 0.05, K = 2:
    # step 1: acc = 0.99, err = 0.01 -> skip; step 2: acc = 0.99 * 0.98 = 0.9702, err = 0.01 + 0.0298 = 0.0398 -> skip;
    # step 3: 3 consecutive > K -> compute, reset; step 4: acc = 0.9, err = 0.1 > 0.05 -> compute, reset;
    # step 5: acc = 1.0, err = 0 -> skip.
    cal = _cal([1.0, 0.99, 0.98, 1.0, 0.9, 1.0])
    assert plan_from_calibration(cal, threshold=0.05, max_skips=2, retention=0.2) == "FR12R12FFR12"
    # a tighter budget: step 2's accumulated error 0.0398 > 0.02 computes, then step 3 (ratio 1.0) skips
    assert plan_from_calibration(cal, threshold=0.02, max_skips=2, retention=0.2) == "FR12FR12FR12"
    # retention 0.5: int(3.5) = 3 steps computed first; another boundary
    assert plan_from_calibration(cal, threshold=0.05, max_skips=2, retention=0.5, boundary=9) == "FFFR9FR9"


def test_plan_skips_what_diffusers_magcache_skips():
    """The same ratios and budget in diffusers' MagCache: the steps it skips at run time are the plan's R steps."""
    from diffusers.hooks import MagCacheConfig, apply_mag_cache

    ratios = [1.0, 1.02, 0.97, 0.99, 0.995, 0.9, 0.98, 1.0, 0.97, 1.1]
    model = tiny_sd3()
    apply_mag_cache(
        model,
        MagCacheConfig(
            threshold=0.06,
            max_skip_steps=2,
            retention_ratio=0.2,
            num_inference_steps=S,
            mag_ratios=torch.tensor(ratios),
        ),
    )
    skipped, log = [], logging.getLogger("diffusers.hooks.mag_cache")

    class Grab(logging.Handler):
        def emit(self, record):
            m = re.match(r"MagCache: Skipping step (\d+)", record.getMessage())
            if m:
                skipped.append(int(m.group(1)))

    handler, level = Grab(), log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        _generation(model)
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    plan = parse_plan_string(plan_from_calibration(_cal(ratios, 4), threshold=0.06, max_skips=2, retention=0.2))
    assert skipped and [i for i, a in enumerate(plan) if a != "full"] == skipped


def test_calibrated_plan_through_the_backend_equals_the_residual_oracle():
    model = tiny_sd3()
    blocks = [("transformer_blocks", i) for i in range(4)]
    cal = calibrate(model, _generation, num_steps=S)
    text = plan_from_calibration(cal, threshold=0.5, max_skips=2, retention=0.2, num_steps=S)
    plan = list(parse_plan_string(text))
    assert 2 <= sum(a != "full" for a in plan) < S - 2, text
    compiled = torch.compile(
        model, backend="blockdance", fullgraph=True, options=dict(inner="eager", plan=text, step_source="counter")
    )
    oracle = ResidualOracle(model, blocks, hi=4, plan=plan)
    actions = []
    with bdcompile.generation(compiled, num_steps=S), torch.no_grad():
        for step, t in enumerate(timesteps(S)):
            kw = _make(step, t)
            got = compiled(**kw)
            want, action = oracle(step, **kw)
            assert rel_err(got, want) <= 1e-5, f"step {step} ({action})"
            actions.append(action)
    assert actions == plan
    info = bdcompile.explain(compiled)
    assert [e[3] for e in info["log"]] == plan
    assert info["host_reads"] == 0


def test_bad_input_errors():
    cal = _cal([1.0, 0.99, 0.98, 1.0])
    for bad in (0, -0.1, float("inf")):
        with pytest.raises(ValueError, match="budget must be a finite number > 0"):
            plan_from_calibration(cal, threshold=bad)
    with pytest.raises(
        ValueError, match=r"calibration is for 4 steps, the plan for 20: calibrate at 20 steps .*--steps 20"
    ):
        plan_from_calibration(cal, threshold=0.1, num_steps=20)
    with pytest.raises(ValueError, match="max_skips"):
        plan_from_calibration(cal, threshold=0.1, max_skips=0)
    with pytest.raises(ValueError, match="retention"):
        plan_from_calibration(cal, threshold=0.1, retention=1.0)
    with pytest.raises(FileNotFoundError, match="bdcompile calibrate --steps 7"):
        shipped(7)
    with pytest.raises(RuntimeError, match="expected num_steps x calls_per_step = 12 x 1"):
        calibrate(tiny_sd3(), _generation, num_steps=12)


def test_shipped_calibrations_are_complete():
    for steps in (20, 28):
        cal = shipped(steps)
        assert cal.num_steps == steps == len(cal.ratios) == len(cal.std) and cal.num_blocks == 12
        assert cal.ratios[0] == 1.0 and all(0.5 < r < 1.5 for r in cal.ratios)


def test_calibrate_command_writes_a_calibration_and_prints_plans(tmp_path, capsys):
    from bdcompile.cli import main

    assert (
        main(
            [
                "calibrate",
                "--steps",
                "4",
                "--per-class",
                "1",
                "--threads",
                "1",
                "--budgets",
                "0.5",
                "1",
                "--max-skips",
                "2",
                "--out-dir",
                str(tmp_path),
                "--prefix",
                "cal",
            ]
        )
        == 0
    )
    cal = Calibration.load(tmp_path / "cal_4.json")
    assert cal.num_steps == 4 == len(cal.ratios) and cal.num_blocks == 12 and cal.ratios[0] == 1.0
    out = capsys.readouterr().out
    assert out.count("budget ") == 2 and "residual of blocks [0, 12) of 12" in out
    assert main(["calibrate", "--from", str(tmp_path / "cal_4.json"), "--budgets", "0.5"]) == 0
    assert "budget 0.5" in capsys.readouterr().out

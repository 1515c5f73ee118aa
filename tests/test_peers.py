"""Peers (bdcompile.peers): each one hooks the tiny SD3 pipeline and changes its output; remove() undoes it.

Eager (``compile=False``) so the file stays fast; the compiled runs are what ``bdcompile frontier`` measures.
Thresholds are high because random weights change a lot between steps (a low threshold never skips).
"""

from __future__ import annotations

import pytest
import torch

from bdcompile import frontier as F
from bdcompile import peers as P

STEPS = 8


@pytest.fixture(scope="module")
def workload():
    return F.tiny_sd3_workload(num_steps=STEPS, num_layers=4, batch=2)


@pytest.fixture(scope="module")
def reference(workload):
    with torch.no_grad():
        return workload.call(workload.make_pipe())


def _run(workload, strategy):
    pipe = workload.make_pipe()
    strategy.apply(pipe, P.PeerContext(STEPS, calibrate=workload.call))
    with torch.no_grad():
        first = workload.call(pipe)
        second = workload.call(pipe)  # the state of the previous call must not leak into this one
    return pipe, first, second


PEERS = [
    lambda: P.first_block_cache(0.5, compile=False),
    lambda: P.taylorseer(2, disable_before=2, target="blocks", compile=False),
    lambda: P.taylorseer(2, disable_before=2, target="attn", compile=False),
    lambda: P.magcache(0.5),
    lambda: P.pab(2, timestep_range=(0, 1000)),
    lambda: P.dbcache(1, 0, 0.5, warmup=2, compile=False),
    lambda: P.blockdance({"inner": "eager"}),
]


@pytest.mark.parametrize(
    "make", PEERS, ids=["fbc", "taylorseer-blocks", "taylorseer-attn", "magcache", "pab", "dbcache", "blockdance"]
)
def test_peer_hooks_and_changes_the_output(workload, reference, make):
    s = make()
    if s.family == "cache-dit DBCache" and not P.available("dbcache")[0]:
        pytest.skip("cache-dit not installed (pip install 'bdcompile[peers]')")
    pipe, first, second = _run(workload, s)
    assert s.compiled is (s.family == "blockdance")
    assert not torch.equal(first, reference), (
        f"{s.name} did not change the output: it hooked nothing or skipped nothing"
    )
    assert (first - reference).abs().max() < 0.5, f"{s.name} is far off the uncached output"
    torch.testing.assert_close(
        second, first, rtol=0, atol=1e-6, msg=f"{s.name}: two identical calls differ (state leaked)"
    )
    s.remove(pipe)
    with torch.no_grad():
        after = workload.call(pipe)
    if s.family != "blockdance":  # the attached pipeline class stays (it only opens generation scopes)
        torch.testing.assert_close(after, reference, rtol=0, atol=1e-6, msg=f"{s.name}: remove() left something behind")


def test_taylorseer_targets(workload):
    blocks = P.taylorseer(2, target="blocks", compile=False)
    attn = P.taylorseer(2, target="attn", compile=False)
    _run(workload, blocks)
    _run(workload, attn)
    # 4 blocks, the last one context_pre_only (returns None for the text stream): 3 whole blocks hooked
    assert blocks.params["hooked_modules"] == 3
    assert attn.params["hooked_modules"] == 4  # the library's default patterns: one attention per block


def test_fbc_keeps_the_pre_only_last_block(workload):
    s = P.first_block_cache(0.5, compile=False)
    _run(workload, s)
    assert "transformer_blocks.3" in s.why


def test_magcache_is_calibrated(workload):
    s = P.magcache(0.5)
    _run(workload, s)
    assert len(s.calibration) == STEPS and s.calibration[0] == 1.0
    assert s.compiled is False and "compiler.disable" in s.why


def test_mag_ratio_parser():
    text = (
        "noise\n[MagCache] Calibration Complete. Copy these values to MagCacheConfig(mag_ratios=...):\n"
        "[1.0, 0.98, 1.02]\n\n"
    )
    assert P._parse_mag_ratios(text) == [1.0, 0.98, 1.02]
    with pytest.raises(RuntimeError):
        P._parse_mag_ratios("nothing printed")


def test_from_spec():
    s = P.from_spec("fbc:threshold=0.25,compile=false")
    assert (s.name, s.params["threshold"], s.compile) == ("FBC(0.25) eager", 0.25, False)
    assert P.from_spec("magcache:compile=true").name == "MagCache(0.06,K=3) compiled"
    s = P.from_spec("blockdance:interval=3,reuse=forecast")
    assert s.family == "blockdance" and s.params == {"interval": 3, "reuse": "forecast"}
    s = P.from_spec("pab:skip_range=3,timestep_range=100-900")
    assert s.params["timestep_range"] == [100, 900]
    assert P.from_spec("blockdance N=3").params == {"interval": 3}
    assert P.from_spec("inductor").family == "reference"
    with pytest.raises(ValueError, match="unknown strategy"):
        P.from_spec("teacache:threshold=1")
    with pytest.raises(ValueError, match="key=value"):
        P.from_spec("fbc:0.1")


def test_blockdance_options_are_data():
    names = [n for n, _ in P.BLOCKDANCE_OPTIONS]
    assert len(set(names)) == len(names)
    assert all(isinstance(o, dict) for _, o in P.BLOCKDANCE_OPTIONS)
    default = [s for s in P.default_strategies() if s.family == "blockdance"]
    assert [s.params for s in default] == [o for _, o in P.BLOCKDANCE_OPTIONS]


def test_every_blockdance_option_set_is_accepted_by_the_backend():
    """Each option set of the default frontier is a valid option dict (calibrated ones after their plan is
    derived for the workload's 20 steps); a calibrated set for a step count without a calibration names the fix."""
    from bdcompile.options import Settings
    from bdcompile.schedules import parse_plan_string

    kinds = set()
    for name, opts in P.BLOCKDANCE_OPTIONS:
        opts = dict(opts)
        if "calibrated" in opts:
            opts["plan"] = P.calibrated_plan(opts.pop("calibrated"), 20)
            assert len(parse_plan_string(opts["plan"])) == 20, name
        s = Settings.from_options(opts)
        kinds |= {a.split("@")[0] for a in s.actions()}
    assert kinds == {"reuse", "forecast", "residual", "adaptive"}
    with pytest.raises(FileNotFoundError, match="bdcompile calibrate --steps 13"):
        P.calibrated_plan({"threshold": 0.1}, 13)
    with pytest.raises(ValueError, match="a dict with threshold"):
        P.calibrated_plan({"budget": 0.1}, 20)

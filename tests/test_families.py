"""The sweep: every diffusers transformer class that traces as one graph, through the one pass.

Each family (tiny config, random weights; tests/families.py) runs a 10-step loop through
``torch.compile(model, backend="blockdance", fullgraph=True)`` with the default block detection and
boundary; every step must match the eager oracle (tests/oracle.py) over the blocks the test
expects, listed independently of the pass: the family's module lists (recorded in the registry)
whose members are transformer blocks by their class name, in the order an eager call runs them.
"""
from __future__ import annotations

import math

import pytest
import torch

import bdcompile
from families import FAMILIES
from oracle import Oracle, eager_block_order, first, static_plan

S = 10
WARMUP, STOP, N = 0.2, 1.0, 2
AUX = ("ResBlock", "Linear", "Projection")  # lists of these are not transformer blocks
# lists holding attention that are not the denoising stream's blocks but that the pass, seeing only
# the graph, rightly counts as blocks too (they run every step and their outputs can be cached)
EXTRA_ATTENTION_LISTS = {"consisid": ["perceiver_cross_attention"]}
# DualTransformer2DModel holds two whole Transformer2DModels in a list; the pass takes the outermost
# list of repeated modules, so its two "blocks" are the two transformers, run one after the other
LISTS_OVERRIDE = {"dual_transformer_2d": ["transformers"]}

# traced_via: "return_dict_false" (the deprecated output class breaks the graph; pipelines pass
# return_dict=False), "after_eager" (a lazily built RoPE table; the oracle's first eager call builds it)
TRACEABLE = sorted(n for n, f in FAMILIES.items() if f.probe.get("traces") or f.probe.get("traced_via"))
UNTRACEABLE = sorted(n for n in FAMILIES if n not in TRACEABLE)


def expected_lists(name):
    if name in LISTS_OVERRIDE:
        return LISTS_OVERRIDE[name]
    fam = FAMILIES[name]
    lists = [p for p, n, cls in fam.probe["block_lists"] if n >= 2 and not cls.endswith(AUX) and ("Block" in cls or "Layer" in cls)]
    return lists + EXTRA_ATTENTION_LISTS.get(name, [])


def _err(a, b):
    a, b = a.double(), b.double()
    return ((a - b).norm() / b.norm().clamp_min(1e-12)).item()


@pytest.mark.parametrize("name", TRACEABLE)
def test_family_matches_oracle(name):
    fam = FAMILIES[name]
    torch.manual_seed(0)
    model = fam.make_model(seed=0)
    kwargs = fam.make_inputs(batch_size=min(2, fam.max_batch_size or 2), seed=0)
    if fam.probe.get("traced_via") == "return_dict_false":
        kwargs["return_dict"] = False
    ts = fam.timesteps(S)
    order = eager_block_order(model, expected_lists(name), lambda: model(**fam.with_timestep(kwargs, ts[0])))
    boundary = min(max(1, round(0.75 * len(order))), len(order) - 1)
    plan = static_plan(S, WARMUP, STOP, N)
    step = dict(timestep_arg=fam.timestep_kwarg) if fam.timestep_kwarg else dict(step_source="counter")
    compiled = torch.compile(model, backend="blockdance", fullgraph=True,
                             options=dict(num_steps=S, warmup=WARMUP, stop=STOP, interval=N, inner="eager", **step))
    oracle = Oracle(model, order, boundary, plan)
    reuse_differs = []
    with torch.no_grad():
        for step, t in enumerate(ts):
            kw = fam.with_timestep(kwargs, t)
            got = fam.output_tensor(compiled(**kw))
            want, action = oracle(step, **kw)
            want = fam.output_tensor(want)
            assert _err(got, want) <= 1e-5, f"step {step} ({action}): relative error {_err(got, want):.2e}"
            if action == "reuse":
                reuse_differs.append(_err(got, fam.output_tensor(model(**kw))) > 1e-6)
    info = bdcompile.explain(compiled)
    g = info["graphs"][0]
    assert g["blocks"] == [f"{n}.{i}" for n, i in order], "the pass found other blocks than the test expects"
    assert g["boundary"] == boundary and g["cut"], g
    assert [e[3] for e in info["log"]] == plan
    assert reuse_differs
    if fam.probe.get("t_sensitive") and fam.timestep_kwarg:  # with fixed inputs and no timestep, reuse = full
        assert any(reuse_differs), "reuse steps gave the uncached output: nothing was skipped"


@pytest.mark.parametrize("name", UNTRACEABLE)
def test_untraceable_family_fails_with_a_clear_error(name):
    """Classes with data-dependent Python in forward cannot be one graph: fullgraph=True must say so
    (dynamo's error names the break), and without fullgraph the pass still runs on the pieces."""
    fam = FAMILIES[name]
    model = fam.make_model(seed=0)
    kwargs = fam.with_timestep(fam.make_inputs(batch_size=1, seed=0), fam.timesteps(S)[0])
    compiled = torch.compile(model, backend="blockdance", fullgraph=True, options=dict(num_steps=S, inner="eager", fallback=True))
    with pytest.raises(Exception) as err, torch.no_grad():
        compiled(**kwargs)
    assert "Unsupported" in type(err.value).__name__ or "graph break" in str(err.value).lower() or "UserError" in type(err.value).__name__ \
        or "torch._check" in str(err.value), str(err.value)[:500]

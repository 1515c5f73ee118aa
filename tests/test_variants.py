"""The variant kinds beyond value reuse, each against an eager oracle of its definition.

Residual reuse (a prefix of the blocks, and the whole stack), several boundaries in one plan, and
adaptive steps (a probe decides inside the graph with torch.cond, or on the host) on single-stream,
two-stream (SD3) and double + single-stream (Flux) models; each variant one graph with no host read.
"""

from __future__ import annotations

import pytest
import torch
from models import TinyTextDiT, flux_inputs, sd3_inputs, timesteps, tiny_flux, tiny_sd3, tiny_text_inputs
from oracle import Oracle, ResidualOracle, rel_err, static_plan

import bdcompile

S = 10
TOL = 1e-5


def _models():
    """name -> (model, block list in execution order, make(step, t) -> kwargs)."""
    lat = {
        k: torch.randn(*shape, generator=torch.Generator().manual_seed(7))
        for k, shape in (("sd3", (2, 4, 8, 8)), ("flux", (2, 16, 16)))
    }

    def drift(x, step):  # latents move along the steps, as in a denoising loop
        return x * (1 - 0.05 * step)

    return {
        "single-stream": (
            TinyTextDiT(),
            [("blocks", i) for i in range(4)],
            lambda step, t: dict(
                tiny_text_inputs(2, t), hidden_states=drift(tiny_text_inputs(2, t)["hidden_states"], step)
            ),
        ),
        "two-stream": (
            tiny_sd3(),
            [("transformer_blocks", i) for i in range(4)],
            lambda step, t: sd3_inputs(drift(lat["sd3"], step), t),
        ),
        "double+single": (
            tiny_flux(),
            [("transformer_blocks", i) for i in range(2)] + [("single_transformer_blocks", i) for i in range(4)],
            lambda step, t: flux_inputs(drift(lat["flux"], step), t),
        ),
    }


MODELS = _models()


def _run(compiled, oracle, make, inner_tol=TOL):
    actions = []
    with bdcompile.generation(compiled, num_steps=S), torch.no_grad():
        for step, t in enumerate(timesteps(S)):
            kw = make(step, t)
            got = compiled(**kw)
            want, action = oracle(step, **kw)
            err = rel_err(got, want)
            assert err <= inner_tol, f"step {step} ({action}): relative error {err:.2e}"
            actions.append(action)
    return actions


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("boundary", ["prefix", "whole"])
def test_residual_reuse_matches_the_residual_oracle(name, boundary):
    model, blocks, make = MODELS[name]
    b = len(blocks) if boundary == "whole" else len(blocks) - 2
    plan = [a if a == "full" else "residual" for a in static_plan(S, 0.2, 1.0, 2)]
    compiled = torch.compile(
        model,
        backend="blockdance",
        fullgraph=True,
        options=dict(inner="eager", reuse="residual", boundary=b, warmup=0.2, stop=1.0),
    )
    oracle = ResidualOracle(model, blocks, hi=b, plan=plan)
    actions = _run(compiled, oracle, make)
    assert actions.count("residual") == 4
    info = bdcompile.explain(compiled)
    assert [e[3] for e in info["log"]] == actions
    assert info["graphs"][0]["cache"] == [(f"r@{b}", info["graphs"][0]["cache"][0][1])]


def test_residual_differs_from_value_reuse():
    """With latents that move, adding the residual to the current input is not replaying the value."""
    model, blocks, make = MODELS["single-stream"]
    outs = {}
    for reuse in ("cache", "residual"):
        torch._dynamo.reset()
        c = torch.compile(
            model, backend="blockdance", options=dict(inner="eager", reuse=reuse, boundary=3, warmup=0.2, stop=1.0)
        )
        with bdcompile.generation(c, num_steps=S), torch.no_grad():
            outs[reuse] = [c(**make(i, t))[0] for i, t in enumerate(timesteps(S))]
    assert rel_err(outs["cache"][3], outs["residual"][3]) > 1e-3


@pytest.mark.parametrize("name", ["single-stream", "two-stream"])
def test_several_boundaries_in_one_plan(name):
    model, blocks, make = MODELS[name]
    n = len(blocks)
    plan = [
        "full",
        "full",
        "full",
        f"reuse@{n - 1}",
        f"reuse@{n - 3}",
        "full",
        f"reuse@{n - 2}",
        "reuse",
        "full",
        "full",
    ]
    compiled = torch.compile(
        model, backend="blockdance", fullgraph=True, options=dict(inner="eager", plan=plan, boundary=n - 2)
    )
    oracle = Oracle(model, blocks, n - 2, plan)
    actions = _run(compiled, oracle, make)
    assert actions == plan
    cache = dict(bdcompile.explain(compiled)["graphs"][0]["cache"])
    assert set(cache) == {f"v@{n - 1}", f"v@{n - 3}", f"v@{n - 2}"}


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("decide", ["graph", "host"])
@pytest.mark.parametrize("threshold", [0.0, 1e9, "mid"])
def test_adaptive_steps_match_first_block_cache_by_hand(name, decide, threshold):
    model, blocks, make = MODELS[name]
    if threshold == "mid":  # between the smallest and largest probe changes of this run: some skip, some not
        threshold = {"single-stream": 0.1, "two-stream": 0.3, "double+single": 0.5}[name]
    plan = ["full", "full"] + ["adaptive"] * (S - 2)
    compiled = torch.compile(
        model,
        backend="blockdance",
        fullgraph=True,
        options=dict(
            inner="eager",
            reuse="adaptive",
            threshold=threshold,
            decide=decide,
            warmup=0.2,
            stop=1.0,
            step_source="counter",
        ),
    )
    oracle = ResidualOracle(model, blocks, hi=len(blocks), plan=plan, probe=1, threshold=threshold, mode="adaptive")
    _run(compiled, oracle, make)
    info = bdcompile.explain(compiled)
    assert info["adaptive_skips"] == oracle.decisions, (info["adaptive_skips"], oracle.decisions)
    if threshold == 0.0:
        assert not any(oracle.decisions)
    elif threshold == 1e9:
        assert all(oracle.decisions)
    else:
        assert any(oracle.decisions) and not all(oracle.decisions), oracle.decisions
    assert info["host_reads"] == (len(oracle.decisions) if decide == "host" else 0)


def test_adaptive_with_tail_blocks():
    model, blocks, make = MODELS["two-stream"]
    plan = ["full", "full"] + ["adaptive"] * (S - 2)
    compiled = torch.compile(
        model,
        backend="blockdance",
        fullgraph=True,
        options=dict(inner="eager", reuse="adaptive", threshold=1e9, tail_blocks=1, warmup=0.2, stop=1.0),
    )
    oracle = ResidualOracle(model, blocks, hi=len(blocks) - 1, plan=plan, probe=1, threshold=1e9, mode="adaptive")
    _run(compiled, oracle, make)
    assert all(oracle.decisions)


def test_each_variant_is_one_graph_without_host_reads():
    """No graph break (dynamo makes one graph) and no host read inside any variant graph."""
    from torch._dynamo.utils import counters

    from bdcompile.runtime import find_instance

    model, blocks, make = MODELS["two-stream"]
    for options, steps in (
        (dict(plan=["full", "residual@4", "reuse@2", "full"]), 4),
        (dict(reuse="adaptive", warmup=0.2, stop=1.0, num_steps=S), S),
    ):
        torch._dynamo.reset()
        counters.clear()
        compiled = torch.compile(
            model, backend="blockdance", fullgraph=True, options=dict(options, inner="eager", step_source="counter")
        )
        with bdcompile.generation(compiled, num_steps=steps), torch.no_grad():
            for i, t in enumerate(timesteps(steps)):
                compiled(**make(i, t))
        assert counters["stats"]["unique_graphs"] == 1 and not counters["graph_break"]
        assert bdcompile.explain(compiled)["host_reads"] == 0
        graphs = {}
        for d in find_instance(model).last_config.dispatchers:
            for name, v in d.variants.items():
                graphs.update(
                    {f"{name}/{n}": m for n, m in v.gm.named_modules() if isinstance(m, torch.fx.GraphModule)}
                )
        assert len(graphs) >= 2
        for name, g in graphs.items():
            reads = [
                n
                for n in g.graph.nodes
                if n.op in ("call_method", "call_function")
                and str(n.target).rsplit(".", 1)[-1] in ("item", "tolist", "_local_scalar_dense")
            ]
            assert not reads, (name, reads)


def test_adaptive_graph_through_inductor():
    """torch.cond keeps the decision on the device through Inductor too (1e-3: Inductor's own rounding)."""
    model, blocks, make = MODELS["single-stream"]
    plan = ["full", "full"] + ["adaptive"] * (S - 2)
    compiled = torch.compile(
        model,
        backend="blockdance",
        fullgraph=True,
        options=dict(inner="inductor", reuse="adaptive", threshold=0.1, warmup=0.2, stop=1.0, step_source="counter"),
    )
    oracle = ResidualOracle(model, blocks, hi=len(blocks), plan=plan, probe=1, threshold=0.1, mode="adaptive")
    _run(compiled, oracle, make, inner_tol=1e-3)
    assert bdcompile.explain(compiled)["adaptive_skips"] == oracle.decisions
    assert bdcompile.explain(compiled)["host_reads"] == 0

"""The pass manager (bdcompile.passes.manager) and the export's clean-up passes, on small hand-built graphs."""

from __future__ import annotations

import logging
import operator

import pytest
import torch
import torch.fx as fx
from torch import nn

from bdcompile.passes import (
    EXPORT_PASSES,
    Condition,
    Cut,
    Pass,
    PassConditionError,
    drop_noop_squeezes,
    flatten_exported,
    hoist_shape_arithmetic,
    node_counts,
    reuse_pass,
    run_passes,
)
from bdcompile.passes.regions import Block, BlockRegions


def _chain(n_relu: int = 3) -> fx.GraphModule:
    """x -> relu -> relu -> ... -> output, built by hand."""
    g = fx.Graph()
    x = g.placeholder("x")
    for _ in range(n_relu):
        x = g.call_function(torch.relu, (x,))
    g.output(x)
    return fx.GraphModule(nn.Module(), g)


def _drop_last_relu(gm: fx.GraphModule) -> fx.GraphModule:
    out = next(n for n in gm.graph.nodes if n.op == "output")
    last = out.args[0]
    out.args = (last.args[0],)
    gm.graph.erase_node(last)
    gm.recompile()
    return gm


def _relus(gm) -> int:
    return sum(1 for n in gm.graph.nodes if n.target is torch.relu)


def test_passes_run_in_order_and_the_last_result_is_returned():
    seen = []

    def record(tag):
        def fn(gm):
            seen.append((tag, _relus(gm)))
            return gm

        return fn

    out = run_passes(_chain(3), [Pass("a", record("a")), Pass("drop", _drop_last_relu), Pass("b", record("b"))])
    assert seen == [("a", 3), ("b", 2)]
    assert _relus(out) == 2
    assert torch.equal(out(torch.tensor([-1.0, 2.0])), torch.tensor([0.0, 2.0]))


def test_a_failing_ensures_names_the_pass_and_the_condition():
    keeps_three = Condition("three relus", lambda gm: None if _relus(gm) == 3 else f"{_relus(gm)} relus")
    with pytest.raises(PassConditionError, match=r"pass 'drop': ensures 'three relus' does not hold: 2 relus") as e:
        run_passes(_chain(3), [Pass("drop", _drop_last_relu, ensures=(keeps_three,))])
    assert (e.value.pass_name, e.value.kind, e.value.condition) == ("drop", "ensures", "three relus")
    assert isinstance(e.value, AssertionError)  # a bug of a pass, not a user error


def test_a_failing_requires_stops_before_the_pass_runs():
    ran = []
    needs_relus = Condition("has relus", lambda gm: None if _relus(gm) else "no relu")
    with pytest.raises(PassConditionError, match=r"pass 'second': requires 'has relus'"):
        run_passes(
            _chain(1),
            [Pass("first", _drop_last_relu), Pass("second", lambda gm: ran.append(1) or gm, requires=(needs_relus,))],
        )
    assert ran == []


def test_a_pass_must_return_a_graph_module():
    with pytest.raises(TypeError, match="pass 'bad' returned NoneType"):
        run_passes(_chain(1), [Pass("bad", lambda gm: None)])


def test_each_pass_logs_its_node_counts(caplog):
    with caplog.at_level(logging.DEBUG, logger="bdcompile.passes"):
        run_passes(_chain(3), [Pass("drop", _drop_last_relu), Pass("keep", lambda gm: gm)], what="demo")
    lines = [r.getMessage() for r in caplog.records if r.name == "bdcompile.passes"]
    assert lines == ["demo: drop: 5 -> 4 nodes (call_function -1)", "demo: keep: 4 -> 4 nodes (unchanged)"]
    assert node_counts(_chain(2)) == {"placeholder": 1, "call_function": 2, "output": 1}


def _two_block_graph():
    """x -> b0 (relu) -> b1 (neg) -> out, with regions and the cut at boundary 1 (by hand)."""
    g = fx.Graph()
    x = g.placeholder("x")
    a = g.call_function(torch.relu, (x,))
    b = g.call_function(torch.neg, (a,))
    g.output((b,))
    for n in (x, a, b):
        n.meta["val"] = torch.empty(2, 3)
    gm = fx.GraphModule(nn.Module(), g)
    b0, b1 = Block("blocks", 0, 0, "B", [a]), Block("blocks", 1, 1, "B", [b])
    regions = BlockRegions(blocks=[b0, b1], node_block={a: b0, b: b1}, module_lists={"blocks": 2})
    return gm, regions, a, b


def test_reuse_pass_on_a_hand_built_graph_and_its_conditions():
    gm, regions, a, b = _two_block_graph()
    cut = Cut(boundary=1, skipped={a}, values=[a])
    reuse = run_passes(gm, [reuse_pass(regions, cut)])
    assert [n.op for n in reuse.graph.nodes] == ["placeholder", "placeholder", "call_function", "output"]
    cached = torch.randn(2, 3)
    assert torch.equal(reuse(torch.randn(2, 3), cached)[0], -cached)
    # a pass that leaves the skipped region in place breaks the reuse pass's ensures
    broken = Pass("reuse@1", lambda gm: gm, ensures=reuse_pass(regions, cut).ensures)
    with pytest.raises(PassConditionError, match=r"'reuse@1': ensures 'no skipped node left'.*relu"):
        run_passes(gm, [broken])
    # a cut that leaves a skipped value uncut breaks its requires (check_cut)
    bad = Cut(boundary=1, skipped={a}, values=[])
    with pytest.raises(PassConditionError, match=r"requires 'cut at boundary 1 meets check_cut'.*not a cut value"):
        run_passes(gm, [reuse_pass(regions, bad)])


def _squeeze_graph():
    g = fx.Graph()
    x, w = g.placeholder("x"), g.placeholder("w")
    x.meta["val"], w.meta["val"] = torch.empty(2, 4, 8), torch.empty(1, 4)
    y = g.call_function(torch.ops.aten.squeeze.dim, (x, 1))  # dim 1 is 4: a no-op
    z = g.call_function(torch.ops.aten.squeeze.dims, (w, [0, 1]))  # only dim 0 is squeezed
    u = g.call_function(torch.ops.aten.squeeze.dim, (w, 0))  # a real squeeze: kept
    g.output((y, z, u))
    return fx.GraphModule(nn.Module(), g)


def test_drop_noop_squeezes():
    gm = _squeeze_graph()
    x, w = torch.randn(2, 4, 8), torch.randn(1, 4)
    want = gm(x, w)
    out = drop_noop_squeezes(gm)
    squeezes = [(n.target, n.args[1:]) for n in out.graph.nodes if n.op == "call_function"]
    assert squeezes == [(torch.ops.aten.squeeze.dims, ([0],)), (torch.ops.aten.squeeze.dim, (0,))]
    assert all(torch.equal(a, b) for a, b in zip(out(x, w), want))


def test_hoist_shape_arithmetic_clears_the_stack_of_input_sizes_only():
    g = fx.Graph()
    x = g.placeholder("x")
    n = g.call_function(operator.mul, (x, 4))
    h = g.call_function(torch.relu, (x,))
    for node, val in ((x, 3), (n, 12), (h, torch.empty(3))):
        node.meta["val"] = val
    n.meta["nn_module_stack"] = {"blocks.0": ("blocks.0", nn.Module)}
    h.meta["nn_module_stack"] = {"blocks.0": ("blocks.0", nn.Module)}
    g.output((n, h))
    out = hoist_shape_arithmetic(fx.GraphModule(nn.Module(), g))
    stacks = {node.name: node.meta.get("nn_module_stack") for node in out.graph.nodes if node.op == "call_function"}
    assert stacks == {"mul": {}, "relu": {"blocks.0": ("blocks.0", nn.Module)}}


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x, flag=False):
        return (self.proj(x).squeeze(1),)


def test_export_pass_list_gives_a_flat_graph():
    x = torch.randn(2, 3, 4)
    ep = torch.export.export(_Tiny(), (x,), {"flag": False}, strict=False)
    flat = run_passes(ep.module(), EXPORT_PASSES, what="export")
    phs = [n for n in flat.graph.nodes if n.op == "placeholder"]
    assert len(phs) == 2  # x and the constant flag (erased later by the export, which matches them with leaves)
    assert all(n.op == "placeholder" for n in list(flat.graph.nodes)[:2])
    assert not any(n.op == "call_module" for n in flat.graph.nodes)
    assert not any("squeeze" in str(n.target) for n in flat.graph.nodes)  # dim 1 is 3: a no-op, dropped
    assert torch.allclose(flat(x, False)[0], ep.module()(x, flag=False)[0])
    assert flatten_exported(ep.module()) is not None

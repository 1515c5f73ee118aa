"""Pass-level tests on small graphs: block detection (regions) and the cut with its post-condition.

The graphs come from dynamo tracing tiny ``nn.Module``s (what the backend receives: ``nn_module_stack``
on every node, sizes as SymInts, data-dependent sizes as unbacked symbols) or are built by hand with
``torch.fx`` where a corner case needs a graph dynamo would not produce.
"""

from __future__ import annotations

import operator
import warnings

import pytest
import torch
import torch.fx as fx
import torch.nn.functional as F
from oracle import Oracle, rel_err, static_plan
from torch import nn

import bdcompile
from bdcompile.passes import (
    Cut,
    CutError,
    NoBlockStackError,
    NothingToSkipError,
    check_cut,
    find_block_regions,
    find_cut,
    is_block,
    make_reuse,
    skipped_nodes_left,
)
from bdcompile.passes.regions import Block, BlockRegions, _indexed_entry

D = 8


def trace(model: nn.Module, *args, **kwargs) -> fx.GraphModule:
    """The graph dynamo hands a backend for ``model(*args, **kwargs)`` (one graph, no grad)."""
    graphs = []

    def record(gm, example_inputs, **kw):
        graphs.append(gm)
        return gm.forward

    torch._dynamo.reset()
    with torch.no_grad():
        torch.compile(model, backend=record, fullgraph=True)(*args, **kwargs)
    assert len(graphs) == 1
    return graphs[0]


# ------------------------------------------------------------------------------------------------ tiny models
class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(D, 3 * D)
        self.out = nn.Linear(D, D)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        return self.out(F.scaled_dot_product_attention(q, k, v))


class DoubleBlock(nn.Module):
    """Two streams (image, text), joint attention, returns both (Flux/SD3 style)."""

    def __init__(self):
        super().__init__()
        self.attn = Attn()
        self.ada = nn.Linear(D, D)

    def forward(self, h, e, temb):
        n = e.shape[1]
        x = torch.cat([h, e], dim=1) * (1 + self.ada(temb)[:, None])
        x = self.attn(x)
        return h + x[:, :-n], e + x[:, -n:]


class SingleBlock(nn.Module):
    """One stream: concatenates text and image, attends, splits again (Flux single-stream style)."""

    def __init__(self):
        super().__init__()
        self.attn = Attn()

    def forward(self, h, e):
        n = e.shape[1]
        x = self.attn(torch.cat([h, e], dim=1))
        return h + x[:, :-n], e + x[:, -n:]


class Projection(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(D, D)

    def forward(self, x):
        return self.lin(x)


class MiniFlux(nn.Module):
    """``doubles`` double-stream then ``singles`` single-stream blocks, plus a list of per-block text
    projections (BriaFibo's ``caption_projection``) that must never be taken for blocks."""

    def __init__(self, doubles=1, singles=1, projections=2):
        super().__init__()
        self.x_in = nn.Linear(4, D)
        self.t_in = nn.Linear(1, D)
        self.caption_projection = nn.ModuleList([Projection() for _ in range(projections)])
        self.transformer_blocks = nn.ModuleList([DoubleBlock() for _ in range(doubles)])
        self.single_transformer_blocks = nn.ModuleList([SingleBlock() for _ in range(singles)])
        self.out = nn.Linear(D, 4)

    def forward(self, x, text, timestep):
        h, temb = self.x_in(x), self.t_in(timestep[:, None].float() / 1000)
        e = sum(p(text) for p in self.caption_projection)
        for blk in self.transformer_blocks:
            h, e = blk(h, e, temb)
        for blk in self.single_transformer_blocks:
            h, e = blk(h, e)
        return self.out(h)


class Pooler(nn.Module):
    """Attention pooling to one vector per sample: attends, but no stream passes through it."""

    def __init__(self):
        super().__init__()
        self.attn = Attn()
        self.proj = nn.Linear(D, 2 * D)

    def forward(self, x):
        return self.proj(self.attn(x).mean(dim=1))


class PooledModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.x_in = nn.Linear(4, D)
        self.poolers = nn.ModuleList([Pooler()])
        self.blocks = nn.ModuleList([SingleBlock(), SingleBlock()])
        self.out = nn.Linear(D, 4)

    def forward(self, x, text):
        h = self.x_in(x)
        cond = self.poolers[0](text)[:, None, :D]
        e = text + cond
        for blk in self.blocks:
            h, e = blk(h, e)
        return self.out(h)


class MaskedText(nn.Module):
    """HunyuanVideo-Framepack at batch 1: the text states are sliced to a per-sample length read from a
    mask (``e[:, :mask.sum()]``), so the text length is an unbacked (data-dependent) size ``u0``; every
    block computes ``-e.shape[1]`` and dynamo hands all of them block 0's node for ``-u0``."""

    def __init__(self, doubles=1, singles=1):
        super().__init__()
        self.x_in = nn.Linear(4, D)
        self.t_in = nn.Linear(1, D)
        self.transformer_blocks = nn.ModuleList([DoubleBlock() for _ in range(doubles)])
        self.single_transformer_blocks = nn.ModuleList([SingleBlock() for _ in range(singles)])
        self.out = nn.Linear(D, 4)

    def forward(self, x, text, mask, timestep):
        h, temb = self.x_in(x), self.t_in(timestep[:, None].float() / 1000)
        length = mask.sum(dim=1, dtype=torch.int)
        e = text[:, : length[0]]
        for blk in self.transformer_blocks:
            h, e = blk(h, e, temb)
        for blk in self.single_transformer_blocks:
            h, e = blk(h, e)
        return self.out(h)


def flux_inputs(batch=1, seed=0):
    g = torch.Generator().manual_seed(seed)
    return dict(
        x=torch.randn(batch, 6, 4, generator=g),
        text=torch.randn(batch, 5, D, generator=g),
        timestep=torch.full((batch,), 500),
    )


def masked_inputs(seed=0):
    mask = torch.ones(1, 7)
    mask[:, 5:] = 0
    g = torch.Generator().manual_seed(seed)
    return dict(
        x=torch.randn(1, 6, 4, generator=g),
        text=torch.randn(1, 7, D, generator=g),
        mask=mask,
        timestep=torch.full((1,), 500),
    )


def _model(cls, seed=0, **kw):
    torch.manual_seed(seed)
    return cls(**kw).eval()


# ------------------------------------------------------------------------------------------------ regions
def test_one_block_stacks_are_stacks_and_projection_lists_are_not():
    gm = trace(_model(MiniFlux), **flux_inputs())
    regions = find_block_regions(gm)
    assert [b.name for b in regions.blocks] == ["transformer_blocks.0", "single_transformer_blocks.0"]
    assert regions.module_lists == {"caption_projection": 2, "transformer_blocks": 1, "single_transformer_blocks": 1}


def test_blocks_are_numbered_in_execution_order_across_stacks():
    gm = trace(_model(MiniFlux, doubles=2, singles=3), **flux_inputs())
    regions = find_block_regions(gm)
    assert [(b.name, b.order) for b in regions.blocks] == [
        ("transformer_blocks.0", 0),
        ("transformer_blocks.1", 1),
        ("single_transformer_blocks.0", 2),
        ("single_transformer_blocks.1", 3),
        ("single_transformer_blocks.2", 4),
    ]
    assert regions.stacks == {"transformer_blocks": 2, "single_transformer_blocks": 3}


def test_block_tests_per_member():
    gm = trace(_model(PooledModel), x=torch.randn(2, 6, 4), text=torch.randn(2, 5, D))
    members: dict = {}
    for n in gm.graph.nodes:
        entry = _indexed_entry(n.meta.get("nn_module_stack") or {})
        if entry:
            members.setdefault(entry[:2], []).append(n)
    assert is_block(members[("poolers", 0)]) == {"attends": True, "hands_on": True, "stream": False}
    assert is_block(members[("blocks", 1)]) == {"attends": True, "hands_on": True, "stream": True}
    regions = find_block_regions(gm)
    assert regions.stacks == {"blocks": 2}


def test_attention_pooler_list_is_not_a_stack_even_when_alone():
    class OnlyPooler(nn.Module):
        def __init__(self):
            super().__init__()
            self.poolers = nn.ModuleList([Pooler()])

        def forward(self, x):
            return self.poolers[0](x)

    gm = trace(_model(OnlyPooler), torch.randn(2, 5, D))
    with pytest.raises(NoBlockStackError, match=r"'poolers' \(1\): no stream passes through"):
        find_block_regions(gm)


def test_lists_without_attention_are_refused_with_the_reason():
    class MLPs(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Sequential(nn.Linear(D, D), nn.GELU()) for _ in range(3)])

        def forward(self, x):
            for layer in self.layers:
                x = x + layer(x)
            return x

    gm = trace(_model(MLPs), torch.randn(2, 5, D))
    with pytest.raises(NoBlockStackError, match=r"'layers' \(3\): no attention"):
        find_block_regions(gm)
    # named explicitly, any list is taken as it is
    assert find_block_regions(gm, stacks=["layers"]).stacks == {"layers": 3}


def test_stacks_option_names_lists_that_are_missing():
    gm = trace(_model(MiniFlux), **flux_inputs())
    with pytest.raises(NoBlockStackError, match=r"\['blocks'\] were asked for"):
        find_block_regions(gm, stacks=["blocks"])


@pytest.mark.parametrize("members", [1, 2])
def test_a_stack_whose_results_go_unused_is_still_a_stack(members):
    """Kandinsky 6 without audio runs its audio-text blocks and drops their result: dead work that reuse
    steps may as well skip (the last member hands nothing on; the others pass the stream)."""
    g = fx.Graph()
    x = g.placeholder("x")
    x.meta["example_value"] = torch.empty(2, 5, D)
    prev = x
    for i in range(members):
        s_ = g.call_function(torch.softmax, (prev, -1))
        y = g.call_function(operator.add, (prev, s_))
        for n in (s_, y):
            n.meta["example_value"] = torch.empty(2, 5, D)
            n.meta["nn_module_stack"] = {"b": (f"L['self'].__dict__['_modules']['blocks'].{i}", nn.Module)}
        prev = y
    z = g.call_function(operator.mul, (x, 2.0))
    z.meta["example_value"] = torch.empty(2, 5, D)
    g.output(z)
    assert find_block_regions(fx.GraphModule(nn.Module(), g)).stacks == {"blocks": members}


# ------------------------------------------------------------------------------------------------ cut
def test_nothing_to_skip_with_one_block_in_total():
    class OneBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([SingleBlock()])

        def forward(self, x, text):
            return self.blocks[0](x, text)[0]

    gm = trace(_model(OneBlock), torch.randn(1, 6, D), torch.randn(1, 5, D))
    regions = find_block_regions(gm)
    assert len(regions.blocks) == 1
    with pytest.raises(NothingToSkipError, match=r"nothing to skip: the model has one transformer block \(blocks\.0\)"):
        find_cut(gm, regions, 0)


def test_one_block_model_through_the_backend_names_the_problem_or_falls_back():
    class OneBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.x_in = nn.Linear(4, D)
            self.blocks = nn.ModuleList([SingleBlock()])

        def forward(self, x, text, timestep):
            return self.blocks[0](self.x_in(x) * timestep[:, None, None], text)[0]

    model = _model(OneBlock)
    kw = dict(x=torch.randn(1, 6, 4), text=torch.randn(1, 5, D), timestep=torch.ones(1))
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="blockdance", options=dict(num_steps=4, inner="eager"))
    with (
        pytest.raises(ValueError, match="nothing to skip: the model has one transformer block") as err,
        torch.no_grad(),
    ):
        compiled(**kw)
    assert "must be in [1, 0]" not in str(err.value)
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="blockdance", options=dict(num_steps=4, inner="eager", fallback=True))
    with pytest.warns(UserWarning, match="nothing to skip"), torch.no_grad():
        out = compiled(**kw)
    with torch.no_grad():
        assert torch.equal(out, model(**kw))


def test_cut_of_two_stream_blocks_is_both_streams():
    gm = trace(_model(MiniFlux, doubles=2, singles=2), **flux_inputs())
    regions = find_block_regions(gm)
    for boundary in (1, 2, 3):
        cut = find_cut(gm, regions, boundary)
        producers = {regions.node_block[n].order for n in cut.values if n in regions.node_block}
        assert producers == {boundary - 1}, (boundary, [n.name for n in cut.values])
        tensors = [n for n in cut.values if isinstance(n.meta["example_value"], torch.Tensor)]
        assert len(tensors) == 2  # image and text streams
        check_cut(gm, regions, cut)
        assert skipped_nodes_left(make_reuse(gm, cut), cut) == []


@pytest.mark.parametrize("singles, boundary", [(1, 1), (2, 1), (2, 2)])
def test_data_dependent_sizes_are_recomputed_not_cut(singles, boundary):
    """The Framepack failure: ``-u0`` is a node of block 0 read by every later block's slicing; the cut
    must not take the later block's slices (they would replay stale internals of a block that runs)."""
    gm = trace(_model(MaskedText, singles=singles), **masked_inputs())
    regions = find_block_regions(gm)
    neg = [
        n
        for n in gm.graph.nodes
        if n.target is operator.neg and n in regions.node_block and regions.node_block[n].order == 0
    ]
    assert neg and any(
        regions.node_block.get(u) is not None and regions.node_block[u].order > 0 for n in neg for u in n.users
    ), "dynamo no longer shares the size node: the case is gone"
    cut = find_cut(gm, regions, boundary)
    assert all(n not in cut.skipped for n in neg)
    assert all(regions.node_block[n].order < boundary for n in cut.values if n in regions.node_block)
    assert [n for n in cut.values if isinstance(n.meta["example_value"], torch.Tensor)]
    assert skipped_nodes_left(make_reuse(gm, cut), cut) == []


def test_data_dependent_sizes_match_the_oracle_through_the_backend():
    S = 8
    plan = static_plan(S, 0.25, 1.0, 2)
    for singles in (1, 2):
        model = _model(MaskedText, singles=singles)
        blocks = [("transformer_blocks", 0)] + [("single_transformer_blocks", i) for i in range(singles)]
        boundary = min(max(1, round(0.75 * len(blocks))), len(blocks) - 1)
        torch._dynamo.reset()
        compiled = torch.compile(
            model, backend="blockdance", fullgraph=True, options=dict(num_steps=S, warmup=0.25, stop=1.0, inner="eager")
        )
        oracle = Oracle(model, blocks, boundary, plan)
        kw = masked_inputs()
        with torch.no_grad():
            for step, t in enumerate(torch.linspace(999, 0, S).round().long()):
                kw = dict(kw, timestep=t.reshape(1))
                want, action = oracle(step, **kw)
                got = compiled(**kw)
                assert rel_err(got, want) <= 1e-6, (singles, step, action, rel_err(got, want))
                if action == "reuse":
                    assert rel_err(got, model(**kw)) > 1e-5
        assert bdcompile.explain(compiled)["graphs"][0]["boundary"] == boundary


# ------------------------------------------------------------------------------------------------ post-condition
def _flux_cut(boundary=1):
    gm = trace(_model(MiniFlux, doubles=1, singles=2), **flux_inputs())
    regions = find_block_regions(gm)
    return gm, regions, find_cut(gm, regions, boundary)


def test_post_condition_rejects_a_cut_value_made_by_a_block_that_runs():
    gm, regions, cut = _flux_cut(1)
    late = next(
        n
        for n, b in regions.node_block.items()
        if b.order == 1
        and isinstance(n.meta.get("example_value"), torch.Tensor)
        and any(regions.node_block.get(u) is not b for u in n.users)
    )
    bad = Cut(boundary=1, skipped=cut.skipped | {late}, values=cut.values + [late])
    message = rf"cut value {late.name} is produced by block 1 \(single_transformer_blocks\.0\)"
    with pytest.raises(CutError, match=message):
        check_cut(gm, regions, bad)


def test_post_condition_rejects_a_skipped_node_of_a_block_that_runs():
    gm, regions, cut = _flux_cut(1)
    inner = next(
        n
        for n, b in regions.node_block.items()
        if b.order == 2 and all(regions.node_block.get(u) is b for u in n.users) and n.users
    )
    bad = Cut(boundary=1, skipped=cut.skipped | {inner}, values=cut.values)
    with pytest.raises(CutError, match=rf"node {inner.name} of block 2 .* is in the skipped region"):
        check_cut(gm, regions, bad)


def test_post_condition_rejects_a_value_leaving_the_region_uncut():
    gm, regions, cut = _flux_cut(1)
    dropped = cut.values[0]
    bad = Cut(boundary=1, skipped=cut.skipped, values=cut.values[1:])
    with pytest.raises(CutError, match=rf"skipped node {dropped.name} of .* is not a cut value"):
        check_cut(gm, regions, bad)


def test_post_condition_rejects_a_block_node_left_running():
    gm, regions, cut = _flux_cut(1)
    kept = next(
        n
        for n, b in regions.node_block.items()
        if b.order == 0
        and n.users
        and isinstance(n.meta.get("example_value"), torch.Tensor)
        and not any(a in cut.skipped for a in n.all_input_nodes)
    )
    bad = Cut(boundary=1, skipped=cut.skipped - {kept}, values=cut.values)
    with pytest.raises(CutError, match=rf"node {kept.name} of block 0 .* runs on reuse steps"):
        check_cut(gm, regions, bad)


def test_post_condition_rejects_uncachable_cut_values():
    """Hand-built: block 0 returns a tuple whose parts leave unpacked by an op that is not getitem."""
    g = fx.Graph()
    x = g.placeholder("x")
    x.meta["example_value"] = torch.empty(2, D)
    stacks = [{"b": (f"L['self'].__dict__['_modules']['blocks'].{i}", nn.Module)} for i in range(2)]
    s0 = g.call_function(torch.softmax, (x, -1))
    t0 = g.call_function(torch.chunk, (s0, 2, -1))
    s1 = g.call_function(torch.cat, (t0, -1))
    s1b = g.call_function(torch.softmax, (s1, -1))
    for n, st, v in (
        (s0, 0, torch.empty(2, D)),
        (t0, 0, (torch.empty(2, D // 2),) * 2),
        (s1, 1, torch.empty(2, D)),
        (s1b, 1, torch.empty(2, D)),
    ):
        n.meta["nn_module_stack"] = stacks[st]
        n.meta["example_value"] = v
    g.output(s1b)
    gm = fx.GraphModule(nn.Module(), g)
    regions = find_block_regions(gm, stacks=["blocks"])
    with pytest.raises(CutError, match=r"include chunk \(tuple\), produced by block 0"):
        find_cut(gm, regions, 1)


def test_tuple_outputs_are_cut_by_their_getitems():
    """A block whose value leaves as a tuple (unpacked by getitem after the block) is cut per item."""
    g = fx.Graph()
    x = g.placeholder("x")
    x.meta["example_value"] = torch.empty(2, D)
    stacks = [{"b": (f"L['self'].__dict__['_modules']['blocks'].{i}", nn.Module)} for i in range(2)]
    s0 = g.call_function(torch.softmax, (x, -1))
    t0 = g.call_function(torch.chunk, (s0, 2, -1))
    a = g.call_function(operator.getitem, (t0, 0))
    b = g.call_function(operator.getitem, (t0, 1))
    s1 = g.call_function(torch.cat, ((a, b), -1))
    for n, st, v in ((s0, 0, torch.empty(2, D)), (t0, 0, (torch.empty(2, D // 2),) * 2), (s1, 1, torch.empty(2, D))):
        n.meta["nn_module_stack"] = stacks[st]
        n.meta["example_value"] = v
    for n in (a, b):
        n.meta["example_value"] = torch.empty(2, D // 2)
    g.output(s1)
    gm = fx.GraphModule(nn.Module(), g)
    regions = find_block_regions(gm, stacks=["blocks"])
    cut = find_cut(gm, regions, 1)
    assert [n.name for n in cut.values] == ["getitem", "getitem_1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reuse = make_reuse(gm, cut)
    out = reuse(torch.randn(2, D), torch.ones(2, D // 2), torch.zeros(2, D // 2))
    assert torch.equal(out, torch.cat([torch.ones(2, D // 2), torch.zeros(2, D // 2)], -1))


def test_regions_of_a_hand_built_graph_without_blocks_name_the_lists():
    g = fx.Graph()
    x = g.placeholder("x")
    x.meta["example_value"] = torch.empty(2, D)
    y = g.call_function(torch.relu, (x,))
    y.meta["example_value"] = torch.empty(2, D)
    y.meta["nn_module_stack"] = {"h": ("L['self'].__dict__['_modules']['heads'].0", nn.ReLU)}
    g.output(y)
    with pytest.raises(NoBlockStackError, match=r"module lists seen: \{'heads': 1\}"):
        find_block_regions(fx.GraphModule(nn.Module(), g))


def test_block_regions_record_types():
    regions = BlockRegions(blocks=[Block("a", 0, 0, "X")], node_block={}, module_lists={"a": 1})
    assert len(regions) == 1 and regions.stacks == {"a": 1}


def test_blocks_writing_into_a_buffer_are_found():
    class Buffered(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([SingleBlock(), SingleBlock()])

        def forward(self, x, text):
            out = torch.zeros(2, *x.shape)
            for i, blk in enumerate(self.blocks):
                x, text = blk(x, text)
                out[i] = x
            return out

    gm = trace(_model(Buffered), torch.randn(1, 6, D), torch.randn(1, 5, D))
    assert find_block_regions(gm).stacks == {"blocks": 2}

"""Graphs that are not a whole forward (issue #17): many compiled instances of one class past dynamo's recompile
limit, fragments of a forward dynamo runs eagerly, and the one case that stays an error (a whole forward with no
block stack). Every output is checked against the eager model or the eager oracle (tests/oracle.py)."""

from __future__ import annotations

import warnings

import pytest
import torch
from models import _Block, pixart_inputs, timesteps, tiny_pixart
from oracle import Oracle, rel_err, static_plan

import bdcompile

STEPS = 5
LAYERS = 3


def _bd_warnings(record) -> list[str]:
    return [str(w.message) for w in record if str(w.message).startswith("blockdance")]


def _options(k: int) -> dict:
    """A different configuration per instance, so each needs its own compiled entry of the forward (instances
    with equal options share dynamo's entries)."""
    return {
        "inner": "eager",
        "warmup": round(0.2 + 0.01 * k, 2),
        "stop": 1.0,
        "interval": 2 + k % 2,
        "boundary": 1 + k % (LAYERS - 1),
        "num_steps": STEPS,
    }


def test_ten_instances_of_one_class_past_the_recompile_limit():
    """Ten instances of one class, each compiled with its own options and run for a generation, with dynamo's
    recompile limit at 4: no call fails; the first 4 are exact against the oracle (actions too); the other 6 run
    eagerly (dynamo never calls the backend for them), equal the eager model, warn exactly once each, naming the
    cause and the cost, and explain() reports the fallback."""
    limit = 4
    ts = timesteps(STEPS)
    with torch._dynamo.config.patch(recompile_limit=limit), torch.no_grad():
        for k in range(10):
            model = tiny_pixart(num_layers=LAYERS, seed=k)
            opts = _options(k)
            compiled = torch.compile(model, backend="blockdance", options=opts)
            plan = static_plan(STEPS, opts["warmup"], opts["stop"], opts["interval"])
            oracle = Oracle(model, [("transformer_blocks", i) for i in range(LAYERS)], opts["boundary"], plan)
            actions = []
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                with bdcompile.generation(compiled):
                    for step, t in enumerate(ts):
                        kw = pixart_inputs(2, t, seed=step)
                        got = compiled(**kw)
                        if k < limit:
                            want, action = oracle(step, 0, **kw)
                            actions.append(action)
                        else:
                            want = model(**kw)
                        assert rel_err(got, want) <= 1e-5, f"instance {k} step {step}"
            msgs = _bd_warnings(rec)
            info = bdcompile.explain(compiled)
            if k < limit:
                assert msgs == [], msgs
                assert [e[3] for e in info["log"]] == actions == plan
                assert "reuse" in actions
                assert info["fallbacks"] == []
            else:
                assert len(msgs) == 1, msgs
                assert (
                    f"recompile_limit = {limit}" in msgs[0] and "no caching" in msgs[0] and "fullgraph=True" in msgs[0]
                )
                assert info["log"] == [] and [f["kind"] for f in info["fallbacks"]] == ["recompile_limit"]
                assert "recompile limit" in str(info)
                with warnings.catch_warnings(record=True) as rec2:  # once per instance
                    warnings.simplefilter("always")
                    with bdcompile.generation(compiled):
                        compiled(**pixart_inputs(2, ts[0]))
                assert _bd_warnings(rec2) == []


def test_recompile_limit_1_warning_text():
    """With recompile_limit=1, a second configuration of the same class runs eagerly: the warning names the limit
    (torch._dynamo.config.recompile_limit), what it costs (no caching) and how to make it an error (fullgraph=True);
    with fullgraph=True it is an error."""
    ts = timesteps(STEPS)
    with torch._dynamo.config.patch(recompile_limit=1), torch.no_grad():
        first = torch.compile(tiny_pixart(num_layers=LAYERS), backend="blockdance", options=_options(0))
        with bdcompile.generation(first):
            for t in ts:
                first(**pixart_inputs(1, t))
        model = tiny_pixart(num_layers=LAYERS, seed=1)
        second = torch.compile(model, backend="blockdance", options=_options(1))
        with pytest.warns(UserWarning) as rec:
            with bdcompile.generation(second):
                for t in ts:
                    torch.testing.assert_close(second(**pixart_inputs(1, t)), model(**pixart_inputs(1, t)))
        msg = " ".join(_bd_warnings(rec))
        assert "PixArtTransformer2DModel.forward already has 1 compiled versions" in msg
        assert "torch._dynamo.config.recompile_limit = 1" in msg
        assert "no caching for its calls" in msg
        assert "fullgraph=True to make this an error" in msg
        strict = torch.compile(
            tiny_pixart(num_layers=LAYERS, seed=2), backend="blockdance", fullgraph=True, options=_options(2)
        )
        with pytest.raises(Exception, match="fullgraph=True|recompile"):
            strict(**pixart_inputs(1, ts[0]))


def test_a_whole_forward_with_no_stack_keeps_its_error():
    class NoBlocks(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = torch.nn.Linear(8, 8), torch.nn.Linear(8, 8)

        def forward(self, x, timestep):
            return self.b(torch.relu(self.a(x))) * timestep[:, None]

    compiled = torch.compile(NoBlocks(), backend="blockdance", options={"inner": "eager", "num_steps": 4})
    with pytest.raises(ValueError, match="no stack of transformer blocks found"):
        compiled(torch.randn(2, 8), torch.ones(2))


# ---------------------------------------------------------------------------------------------- nested stacks
class _Refiner(torch.nn.Module):
    """A module with its own list of attention blocks, inside a larger model (like HunyuanVideo's token refiner)."""

    def __init__(self, dim):
        super().__init__()
        self.refiner_blocks = torch.nn.ModuleList([_Block(dim) for _ in range(2)])

    def forward(self, text, temb):
        for blk in self.refiner_blocks:
            text = blk(text, text, temb)
        return text


class _Model(torch.nn.Module):
    """``breaks=True``: a graph break inside the block loop, which dynamo cannot resume from, so it runs this
    forward eagerly and compiles what it calls one by one (the refiner: a fragment holding a stack of its own)."""

    def __init__(self, dim=16, depth=3):
        super().__init__()
        torch.manual_seed(0)
        self.proj_in = torch.nn.Linear(4, dim)
        self.text = torch.nn.Linear(8, dim)
        self.t = torch.nn.Linear(1, dim)
        self.refiner = _Refiner(dim)
        self.blocks = torch.nn.ModuleList([_Block(dim) for _ in range(depth)])
        self.proj_out = torch.nn.Linear(dim, 4)
        self.breaks = False
        self.eval()

    def forward(self, hidden_states, encoder_hidden_states, timestep):
        temb = self.t(timestep[:, None] / 1000)
        text = self.refiner(self.text(encoder_hidden_states), temb)
        x = self.proj_in(hidden_states)
        for blk in self.blocks:
            if self.breaks:
                torch._dynamo.graph_break()
            x = blk(x, text, temb)
        return self.proj_out(x)


def _inputs(t, seed=0):
    g = torch.Generator().manual_seed(seed)
    return dict(
        hidden_states=torch.randn(2, 6, 4, generator=g),
        encoder_hidden_states=torch.randn(2, 3, 8, generator=g),
        timestep=torch.full((2,), float(t)),
    )


def test_fragments_and_whole_forward_of_one_model_do_not_double_count():
    """One model instance runs a generation through its whole-forward graph, then one whose forward dynamo runs
    eagerly (a graph break in the block loop: its refiner, which holds blocks of its own, and its blocks are
    compiled as fragments). The whole-forward generation is exact against the oracle with the oracle's actions;
    the fragments run plainly (equal to eager) and never count a step (no log entry, though the refiner's graph
    holds a block stack), with one warning; explain() lists them."""
    model = _Model()
    opts = {"inner": "eager", "warmup": 0.2, "stop": 1.0, "interval": 2, "num_steps": STEPS}
    compiled = torch.compile(model, backend="blockdance", options=opts)
    plan = static_plan(STEPS, 0.2, 1.0, 2)
    oracle = Oracle(
        model,
        [("refiner.refiner_blocks", 0), ("refiner.refiner_blocks", 1)] + [("blocks", i) for i in range(3)],
        4,
        plan,
    )
    ts = timesteps(STEPS)
    with torch.no_grad():
        actions = []
        with bdcompile.generation(compiled):
            for step, t in enumerate(ts):
                got = compiled(**_inputs(t, step))
                want, action = oracle(step, 0, **_inputs(t, step))
                assert rel_err(got, want) <= 1e-5, f"step {step}"
                actions.append(action)
        assert actions == plan and "reuse" in plan
        assert [e[3] for e in bdcompile.explain(compiled)["log"]] == plan
        model.breaks = True
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            with bdcompile.generation(compiled):
                for step, t in enumerate(ts):
                    torch.testing.assert_close(compiled(**_inputs(t, step)), model(**_inputs(t, step)))
        msgs = _bd_warnings(rec)
        assert len(msgs) == 1 and "fragment of _Model.forward" in msgs[0] and "no caching" in msgs[0], msgs
        assert "graph break" in msgs[0] and "fullgraph=True" in msgs[0]
        info = bdcompile.explain(compiled)
        assert len(info["log"]) == STEPS, "a fragment counted steps"
        frags = {f["frame"]: f for f in info["fragments"]}
        assert frags["refiner.forward"]["blocks"] == 2 and not frags["refiner.forward"]["recompile_limit"]
        assert info["fallbacks"] == []

"""The forecast variant against a hand-written eager extrapolation oracle (Newton divided differences)."""

from __future__ import annotations

import pytest
import torch
from models import pixart_inputs, timesteps, tiny_pixart
from oracle import first, newton_extrapolate, rel_err, static_plan

import bdcompile

S = 20


class ForecastOracle:
    def __init__(self, model, boundary, plan, order):
        self.model, self.boundary, self.plan, self.order = model, boundary, plan, order
        self.history = []  # [(step, {block index: output})], newest first

    def __call__(self, step, **kw):
        blocks = self.model.transformer_blocks
        if self.plan[step] == "full" or not self.history:
            rec, hs = (
                {},
                [
                    blocks[i].register_forward_hook(lambda m, a, o, i=i: rec.__setitem__(i, o))
                    for i in range(self.boundary)
                ],
            )
            try:
                out = self.model(**kw)
            finally:
                for h in hs:
                    h.remove()
            self.history = ([(step, rec)] + self.history)[: self.order + 1]
            return out
        for i in range(self.boundary):
            pts = [(s, rec[i]) for s, rec in self.history]
            blocks[i].forward = lambda *a, _o=newton_extrapolate(pts, step), **k: _o  # noqa: B008 (bound per block)
        try:
            return self.model(**kw)
        finally:
            for i in range(self.boundary):
                del blocks[i].forward


@pytest.mark.parametrize("order, interval", [(1, 2), (2, 3)])
def test_forecast_matches_eager_extrapolation(order, interval):
    model = tiny_pixart(num_layers=6)
    opts = dict(
        num_steps=S, warmup=0.3, stop=0.95, interval=interval, boundary=4, inner="eager", reuse="forecast", order=order
    )
    compiled = torch.compile(model, backend="blockdance", fullgraph=True, options=opts)
    plan = ["forecast" if a == "reuse" else a for a in static_plan(S, 0.3, 0.95, interval)]
    oracle = ForecastOracle(model, 4, [("full" if a == "full" else "forecast") for a in plan], order)
    with torch.no_grad():
        for step, t in enumerate(timesteps(S)):
            kw = pixart_inputs(2, t)
            got = compiled(**kw)
            want = oracle(step, **kw)
            assert rel_err(got, want) <= 1e-5, (step, plan[step], rel_err(got, want))
    log = bdcompile.explain(compiled)["log"]
    assert [e[3] for e in log] == plan and plan.count("forecast") >= 5


def test_forecast_differs_from_plain_reuse():
    model = tiny_pixart(num_layers=6)
    outs = {}
    for mode in ("cache", "forecast"):
        torch._dynamo.reset()
        c = torch.compile(
            model,
            backend="blockdance",
            options=dict(num_steps=S, warmup=0.3, interval=2, boundary=4, inner="eager", reuse=mode),
        )
        with torch.no_grad():
            outs[mode] = [first(c(**pixart_inputs(2, t))) for t in timesteps(S)]
    plan = static_plan(S, 0.3, 0.95, 2)
    for step, a in enumerate(plan):
        same = torch.equal(outs["cache"][step], outs["forecast"][step])
        assert same == (a == "full"), step  # inputs are fixed here, so only skipped steps can differ

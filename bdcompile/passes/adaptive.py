"""Adaptive pass: FirstBlockCache / DBCache as compiled graphs built from the traced one.

On an adaptive step the first ``probe`` blocks run; what they added to their input (the probe
residual ``h``) is compared, inside the graph, with the one of the last computed step:

    change = sum_i mean|h_i - h_prev_i| / sum_i mean|h_prev_i|

Below ``threshold`` the blocks ``[probe, hi)`` are skipped and their cached residual ``t`` is added to
the current values at ``probe`` (then blocks ``[hi, N)``, the tail, run); otherwise every block runs and
``t`` is refreshed. ``h`` is refreshed only on computed steps (as FirstBlockCache does).

Two forms, one decision:

* ``decide="graph"``: one graph, the choice on the device with ``torch.cond`` (no host read):

      x -> prefix -> (v@probe, h) -> change < threshold ? skip(v@probe, t_prev) : compute(v@probe)
        outputs: model outputs, h_new, t_new, skipped (a 0-d bool tensor)

* ``decide="host"``: a ``probe`` graph returns (v@probe, h, change); the caller reads ``change`` (one
  scalar) and launches the ``skip`` or the ``compute`` graph.

The branches are the reuse variant at the probe boundary (its cut values become inputs) with, for
``compute``, the tail residuals as extra outputs and, for ``skip``, the residual variant of the range
``[probe, hi)`` on top of it. Both branches take the same inputs and return the same outputs.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import torch
import torch.fx as fx

from .cut import Cut, find_cut
from .regions import find_block_regions
from .residual import residual_bases
from .specialize import (
    CacheGroup,
    _insert_inputs,
    _output_values,
    make_full,
    make_prefix,
    make_residual,
    make_reuse,
)

__all__ = ["AdaptiveGraphs", "make_adaptive"]


@dataclass
class AdaptiveGraphs:
    probe_cut: Cut  # cut at the probe boundary, in the traced graph
    h: CacheGroup  # probe residuals (traced graph nodes)
    t: CacheGroup  # tail residuals of the range [probe, hi) (traced graph nodes)
    prefix: fx.GraphModule  # inputs -> (v@probe..., h...)
    compute: fx.GraphModule  # inputs, v@probe..., t_prev... -> (outputs..., t...)
    skip: fx.GraphModule  # inputs, v@probe..., t_prev... -> (outputs..., t_prev...)
    num_outputs: int

    def graph(self, threshold: float) -> fx.GraphModule:
        """The one-graph form: inputs, h_prev..., t_prev... -> (outputs..., h_new..., t_new..., skipped)."""
        return _assemble(self, threshold, cond=True)

    def probe(self) -> fx.GraphModule:
        """The host form's probe: inputs, h_prev... -> (v@probe..., h..., change)."""
        return _assemble(self, None, cond=False)


def _change(g: fx.Graph, hs: list, hps: list) -> fx.Node:
    num = den = None
    for h, hp in zip(hs, hps):
        d = g.call_method("mean", (g.call_method("abs", (g.call_function(torch.sub, (h, hp)),)),))
        p = g.call_method("mean", (g.call_method("abs", (hp,)),))
        num = d if num is None else g.call_function(torch.add, (num, d))
        den = p if den is None else g.call_function(torch.add, (den, p))
    return g.call_function(torch.div, (num, g.call_function(torch.clamp, (den,), {"min": 1e-12})))


def _assemble(parts: AdaptiveGraphs, threshold, cond: bool) -> fx.GraphModule:
    root = torch.nn.Module()
    root.prefix = parts.prefix
    root.skip = parts.skip
    root.compute = parts.compute
    g = fx.Graph()
    n_in = len([n for n in parts.prefix.graph.nodes if n.op == "placeholder"])
    metas = [n.meta for n in parts.prefix.graph.nodes if n.op == "placeholder"]
    ins = []
    for i, meta in enumerate(metas):
        ph = g.placeholder(f"in_{i}")
        ph.meta.update({k: v for k, v in meta.items() if k in ("example_value", "val", "tensor_meta")})
        ins.append(ph)
    h_prev = [g.placeholder(f"bd_h_prev_{i}") for i in range(len(parts.h))]
    t_prev = [g.placeholder(f"bd_t_prev_{i}") for i in range(len(parts.t))] if cond else []
    pre = g.call_module("prefix", tuple(ins))
    nf = len(parts.probe_cut.values)
    vf = [g.call_function(operator.getitem, (pre, i)) for i in range(nf)]
    hs = [g.call_function(operator.getitem, (pre, nf + i)) for i in range(len(parts.h))]
    change = _change(g, hs, h_prev)
    if not cond:
        g.output(tuple(vf) + tuple(hs) + (change,))
        return fx.GraphModule(root, g, class_name="AdaptiveProbe")
    skipped = g.call_function(torch.lt, (change, float(threshold)))
    res = g.call_function(
        torch.ops.higher_order.cond,
        (skipped, g.get_attr("skip"), g.get_attr("compute"), tuple(ins) + tuple(vf) + tuple(t_prev)),
    )
    n = parts.num_outputs
    outs = [g.call_function(operator.getitem, (res, i)) for i in range(n)]
    t_new = [g.call_function(operator.getitem, (res, n + i)) for i in range(len(parts.t))]
    h_new = [g.call_function(torch.where, (skipped, hp, h)) for h, hp in zip(hs, h_prev)]
    g.output(tuple(outs) + tuple(h_new) + tuple(t_new) + (skipped,))
    assert n_in == len(ins)
    return fx.GraphModule(root, g, class_name="Adaptive")


def _by_name(gm: fx.GraphModule) -> dict:
    return {n.name: n for n in gm.graph.nodes}


def make_adaptive(gm: fx.GraphModule, regions, probe: int, hi: int, stacks=None) -> AdaptiveGraphs:
    """The pieces of the adaptive variants for probe blocks ``[0, probe)`` and the skipped range
    ``[probe, hi)`` (``hi`` = number of blocks minus the tail blocks)."""
    n_blocks = len(regions.blocks)
    if not 1 <= probe < hi <= n_blocks:
        raise ValueError(
            f"blockdance: adaptive steps compute probe_blocks={probe} blocks and skip blocks "
            f"[{probe}, {hi}) of the {n_blocks} found: need 1 <= probe_blocks < {n_blocks} - tail_blocks"
        )
    cut_f = find_cut(gm, regions, probe)
    h = CacheGroup("h", cut_f.values, residual_bases(cut_f.values, cut_f.skipped))
    if all(b is None for b in h.bases):
        raise ValueError(
            "blockdance: adaptive steps need what the probe blocks add to their input (a residual), but "
            "no value leaving them has a residual stream of the same shape"
        )
    h = CacheGroup("h", [v for v, b in zip(h.values, h.bases) if b is not None], [b for b in h.bases if b is not None])
    cut_hi = find_cut(gm, regions, hi, whole_stack=True)
    span = cut_hi.skipped - cut_f.skipped
    range_values = [v for v in cut_hi.values if v in span]
    t = CacheGroup("t", range_values, residual_bases(range_values, span))

    reuse_f = make_reuse(gm, cut_f)  # inputs: originals, then the values at the probe boundary
    r_regions = find_block_regions(reuse_f, stacks=stacks)
    r_cut = find_cut(reuse_f, r_regions, hi - probe, whole_stack=True)
    names = _by_name(reuse_f)
    r_values = [names[v.name] for v in t.values]
    missing = [v.name for v in r_values if v not in r_cut.values] or [v.name for v in r_cut.values if v not in r_values]
    if missing:
        raise ValueError(
            f"blockdance: the values leaving blocks [{probe}, {hi}) differ between the traced graph "
            f"and its reuse variant ({missing[:3]}); adaptive steps cannot be built for this model"
        )
    cached = [p for p in reuse_f.graph.nodes if p.op == "placeholder"][-len(cut_f.values) :]
    at_probe = {v: cached[i] for i, v in enumerate(cut_f.values)}  # values at the probe boundary are inputs there
    r_bases = [None if b is None else at_probe.get(b) or names[b.name] for b in t.bases]
    order = [r_cut.values.index(v) for v in r_values]
    bases_in_cut_order = [None] * len(r_cut.values)
    for i, b in zip(order, r_bases):
        bases_in_cut_order[i] = b

    compute, n_out = make_full(reuse_f, r_cut, [CacheGroup("t", r_values, r_bases)])
    skip = make_residual(reuse_f, r_cut, bases_in_cut_order)
    # one signature for both branches: (originals, v@probe, t_prev) -> (outputs, t)
    _add_inputs(compute, [f"bd_t_prev_{i}" for i in range(len(t))], [v.meta for v in t.values])
    skip = _reorder_residual_inputs(skip, order, len(r_cut.values))
    _append_outputs_from_inputs(skip, len(t))
    prefix = make_prefix(gm, [CacheGroup("v", cut_f.values), h])
    return AdaptiveGraphs(probe_cut=cut_f, h=h, t=t, prefix=prefix, compute=compute, skip=skip, num_outputs=n_out)


def _add_inputs(gm: fx.GraphModule, names: list, metas: list) -> None:
    _insert_inputs(gm.graph, names, metas)
    gm.recompile()


def _reorder_residual_inputs(gm: fx.GraphModule, order: list, n: int) -> fx.GraphModule:
    """The residual variant takes one input per cut value in cut order; the adaptive branches pass the
    tail residuals in the order of ``t``: rename the trailing placeholders accordingly."""
    phs = [p for p in gm.graph.nodes if p.op == "placeholder"][-n:]
    wanted = [None] * n
    for t_index, cut_index in enumerate(order):
        wanted[t_index] = phs[cut_index]
    if wanted == phs:
        return gm
    # rebuild the placeholder order: keep every leading input, then the residual inputs in t order
    new = fx.Graph()
    env = {}
    lead = [p for p in gm.graph.nodes if p.op == "placeholder"][:-n]
    for p in lead + wanted:
        env[p] = new.placeholder(p.name)
        env[p].meta.update(p.meta)
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            continue
        env[node] = new.node_copy(node, lambda a: env[a])
    return fx.GraphModule(gm, new, class_name=type(gm).__name__)


def _append_outputs_from_inputs(gm: fx.GraphModule, k: int) -> None:
    """The skip branch hands the tail residuals back unchanged: as copies (a branch of ``torch.cond``
    must not return its inputs: Inductor refuses aliases)."""
    phs = [p for p in gm.graph.nodes if p.op == "placeholder"][-k:] if k else []
    out, vals = _output_values(gm.graph)
    with gm.graph.inserting_before(out):
        copies = [gm.graph.call_method("clone", (p,)) for p in phs]
    out.args = (tuple(vals) + tuple(copies),)
    gm.graph.lint()
    gm.recompile()

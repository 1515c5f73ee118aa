"""Specialize pass: one traced graph -> the step variants.

* ``full``: the original graph whose output tuple is extended with the cut values.
* ``reuse``: the cut values become trailing graph inputs, the skipped region is deleted.
* ``forecast``: like reuse, but the cut values are extrapolated inside the graph from a history of
  ``order + 1`` cached values with per-step coefficients (a 1-D tensor input), TaylorSeer-style.

The variants take the original flat inputs first, then their extra inputs; each is a new
``GraphModule`` sharing the original's attributes, and the original graph is left untouched.

As passes of the manager (:mod:`.manager`): :func:`full_pass`, :func:`reuse_pass`,
:func:`residual_pass`, :func:`forecast_pass`, each ``GraphModule -> GraphModule`` requiring that the cut
meets its post-condition (:func:`~.cut.check_cut`) and ensuring that no node of the skipped region is
left in the variant (:func:`skipped_nodes_left`).
"""

from __future__ import annotations

import operator
from typing import Optional

import torch
import torch.fx as fx

from .cut import Cut, CutError, check_cut
from .cut import mutates as _mutates
from .manager import Condition, Pass

__all__ = [
    "CacheGroup",
    "make_full",
    "make_prefix",
    "make_reuse",
    "make_residual",
    "make_forecast",
    "copy_graph_module",
    "skipped_nodes_left",
    "full_pass",
    "reuse_pass",
    "residual_pass",
    "forecast_pass",
    "cut_holds",
    "no_skipped_nodes",
]


def copy_graph_module(gm: fx.GraphModule) -> tuple[fx.GraphModule, dict]:
    """A copy of ``gm`` with its own graph; returns it with the old-node -> new-node map."""
    graph = fx.Graph()
    env: dict = {}
    out = graph.graph_copy(gm.graph, env)
    graph.output(out)
    new = fx.GraphModule(gm, graph, class_name=type(gm).__name__)
    new.meta.update(getattr(gm, "meta", {}))
    return new, env


def _finish(gm: fx.GraphModule) -> fx.GraphModule:
    gm.graph.eliminate_dead_code(is_impure_node=_mutates)
    gm.graph.lint()
    gm.recompile()
    return gm


def _output_values(graph: fx.Graph):
    out = next(n for n in reversed(graph.nodes) if n.op == "output")
    vals = out.args[0]
    return out, (list(vals) if isinstance(vals, (tuple, list)) else [vals])


class CacheGroup:
    """Values a full step hands to the cache under one name: ``"v@b"`` the cut values at boundary ``b``,
    ``"r@b"`` their residuals (value minus base, where a base exists), ``"h"`` / ``"t"`` an adaptive
    variant's probe and tail residuals."""

    def __init__(self, name: str, values: list, bases: Optional[list] = None):
        self.name = name
        self.values = list(values)
        self.bases = list(bases) if bases is not None else None

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"CacheGroup({self.name!r}, {len(self.values)} values)"


def _group_outputs(graph: fx.Graph, env: dict, group: CacheGroup) -> list:
    outs = []
    for i, old in enumerate(group.values):
        node = env[old]
        if any(_mutates(u) for u in node.users):  # snapshot the value before a later in-place op changes it
            with graph.inserting_after(node):
                node = graph.call_method("clone", (node,))
        base = group.bases[i] if group.bases is not None else None
        if base is not None:
            with graph.inserting_after(node):
                node = graph.call_function(torch.sub, (node, env[base]))
        outs.append(node)
    return outs


def make_full(gm: fx.GraphModule, cut: Cut, groups: Optional[list] = None) -> tuple[fx.GraphModule, int]:
    """Full variant: the original outputs, then each cache group's values in order (by default one
    group: the cut values). Returns it and the number of original outputs.

        before                          after (groups = [v@2, r@4])
          ... -> out                      ... -> (out, x2, x4 - x0)
    """
    groups = groups if groups is not None else [CacheGroup("v", cut.values)]
    new, env = copy_graph_module(gm)
    out, vals = _output_values(new.graph)
    cached = []
    for group in groups:
        cached += _group_outputs(new.graph, env, group)
    out.args = (tuple(vals) + tuple(cached),)
    return _finish(new), len(vals)


def make_prefix(gm: fx.GraphModule, groups: list) -> fx.GraphModule:
    """Only what computes the groups' values: the blocks before a probe boundary and what feeds them.

    before                          after (groups = [v@1, h])
      x0 -> blk0 -> x1 -> blk1 ...    x0 -> blk0 -> x1 -> (x1, x1 - x0)
    """
    new, env = copy_graph_module(gm)
    out, _ = _output_values(new.graph)
    cached = []
    for group in groups:
        cached += _group_outputs(new.graph, env, group)
    out.args = (tuple(cached),)
    return _finish(new)


def _insert_inputs(graph: fx.Graph, names: list[str], metas: list[dict]) -> list[fx.Node]:
    last_ph = [n for n in graph.nodes if n.op == "placeholder"][-1]
    created = []
    anchor = last_ph
    for name, meta in zip(names, metas):
        with graph.inserting_after(anchor):
            ph = graph.placeholder(name)
        ph.meta.update({k: v for k, v in meta.items() if k in ("example_value", "val", "tensor_meta")})
        created.append(ph)
        anchor = ph
    return created


def _drop_skipped(new: fx.GraphModule, env: dict, cut: Cut, replacements: list[fx.Node]) -> fx.GraphModule:
    skipped_new = {env[n] for n in cut.skipped}
    for old, rep in zip(cut.values, replacements):
        node = env[old]
        if any(_mutates(u) for u in node.users if u not in skipped_new):  # never let the graph write into the cache
            where = rep if rep.op != "placeholder" else next(n for n in new.graph.nodes if n.op != "placeholder").prev
            with new.graph.inserting_after(where):
                rep = new.graph.call_method("clone", (rep,))
        node.replace_all_uses_with(rep, delete_user_cb=lambda u: u not in skipped_new)
    for node in reversed(list(new.graph.nodes)):
        if node in skipped_new:
            if any(u not in skipped_new for u in node.users):
                raise AssertionError(f"blockdance: skipped node {node.name} still feeds {list(node.users)}")
            new.graph.erase_node(node)
    return _finish(new)


def make_residual(gm: fx.GraphModule, cut: Cut, bases: list) -> fx.GraphModule:
    """Residual variant: like reuse, but a cut value with a base is the base's *current* value plus a
    cached residual (trailing inputs, one per cut value; a value without a base is fed as it is).

        before                          after
          x0 -> blk0 -> x1 -> blk1        x0, r (input) -> x1 := x0 + r -> blk1
    """
    new, env = copy_graph_module(gm)
    phs = _insert_inputs(new.graph, [f"bd_residual_{i}" for i in range(len(cut.values))], [n.meta for n in cut.values])
    reps = []
    for ph, base in zip(phs, bases):
        if base is None:
            reps.append(ph)
            continue
        with new.graph.inserting_after(env[base] if env[base].op != "placeholder" else phs[-1]):
            reps.append(new.graph.call_function(torch.add, (env[base], ph)))
    return _drop_skipped(new, env, cut, reps)


def make_reuse(gm: fx.GraphModule, cut: Cut) -> fx.GraphModule:
    """Reuse variant: inputs are the original inputs followed by one tensor per cut value.

    before (boundary 2)                         after
      def forward(x, t):                          def forward(x, t, bd_cached_0):
          x1 = blk0(x, t)                             x3 = blk2(bd_cached_0, t)
          x2 = blk1(x1, t)                            return (x3,)
          x3 = blk2(x2, t)
          return (x3,)
    """
    new, env = copy_graph_module(gm)
    phs = _insert_inputs(new.graph, [f"bd_cached_{i}" for i in range(len(cut.values))], [n.meta for n in cut.values])
    return _drop_skipped(new, env, cut, phs)


def make_forecast(gm: fx.GraphModule, cut: Cut, order: int) -> fx.GraphModule:
    """Forecast variant: inputs are the original inputs, a coefficient vector ``c`` of length
    ``order + 1``, then ``order + 1`` history tensors per cut value (newest first); each cut value is
    replaced by ``sum_j c[j] * history_j`` computed inside the graph.

        before (boundary 2)                         after (order 1)
          def forward(x, t):                          def forward(x, t, bd_coeffs, bd_hist_0_0, bd_hist_0_1):
              x1 = blk0(x, t)                             f = bd_hist_0_0 * bd_coeffs[0] + bd_hist_0_1 * bd_coeffs[1]
              x2 = blk1(x1, t)                            x3 = blk2(f.to(bd_hist_0_0), t)
              x3 = blk2(x2, t)                            return (x3,)
              return (x3,)
    """
    new, env = copy_graph_module(gm)
    k = order + 1
    names = ["bd_coeffs"] + [f"bd_hist_{i}_{j}" for i in range(len(cut.values)) for j in range(k)]
    coeff_meta = {}
    metas = [coeff_meta] + [cut.values[i].meta for i in range(len(cut.values)) for _ in range(k)]
    phs = _insert_inputs(new.graph, names, metas)
    coeffs, hist = phs[0], phs[1:]
    g = new.graph
    body = next(n for n in g.nodes if n.op != "placeholder")
    replacements = []
    with g.inserting_before(body):  # prepends in order, after every placeholder
        for i in range(len(cut.values)):
            acc = None
            for j in range(k):
                cj = g.call_function(operator.getitem, (coeffs, j))
                term = g.call_function(torch.mul, (hist[i * k + j], cj))
                acc = term if acc is None else g.call_function(torch.add, (acc, term))
            replacements.append(g.call_method("to", (acc, hist[i * k])))  # keep the history's dtype
    return _drop_skipped(new, env, cut, replacements)


def skipped_nodes_left(variant: fx.GraphModule, cut: Cut) -> list[str]:
    """Names of nodes of the skipped region still present in a variant (must be empty for reuse)."""
    names = {n.name for n in cut.skipped}
    return [n.name for n in variant.graph.nodes if n.name in names and n.op != "placeholder"]


# ------------------------------------------------------------------------------ as passes of the manager
def cut_holds(gm_regions, cut: Cut) -> Condition:
    """The cut's post-condition (:func:`~.cut.check_cut`) on the traced graph a variant is made from."""

    def check(gm: fx.GraphModule):
        try:
            check_cut(gm, gm_regions, cut)
        except CutError as e:
            return str(e)
        return None

    return Condition(f"cut at boundary {cut.boundary} meets check_cut", check)


def no_skipped_nodes(cut: Cut) -> Condition:
    """No node of the skipped region is left in the variant (what a reuse step must not run)."""

    def check(gm: fx.GraphModule):
        left = skipped_nodes_left(gm, cut)
        return f"the variant still holds skipped nodes {left[:5]}" if left else None

    return Condition("no skipped node left", check)


def full_pass(groups: list) -> Pass:
    """:func:`make_full` as a pass (the number of model outputs is that of the graph it is handed)."""
    return Pass("full", lambda gm: make_full(gm, None, groups)[0])


def reuse_pass(regions, cut: Cut) -> Pass:
    """:func:`make_reuse` as a pass."""
    return Pass(
        f"reuse@{cut.boundary}",
        lambda gm: make_reuse(gm, cut),
        requires=(cut_holds(regions, cut),),
        ensures=(no_skipped_nodes(cut),),
    )


def residual_pass(regions, cut: Cut, bases: list) -> Pass:
    """:func:`make_residual` as a pass."""
    return Pass(
        f"residual@{cut.boundary}",
        lambda gm: make_residual(gm, cut, bases),
        requires=(cut_holds(regions, cut),),
        ensures=(no_skipped_nodes(cut),),
    )


def forecast_pass(regions, cut: Cut, order: int) -> Pass:
    """:func:`make_forecast` as a pass."""
    return Pass(
        f"forecast@{cut.boundary}",
        lambda gm: make_forecast(gm, cut, order),
        requires=(cut_holds(regions, cut),),
        ensures=(no_skipped_nodes(cut),),
    )

"""The ordered pass lists of bdcompile.

* :data:`EXPORT_PASSES`: what ``bdcompile.export`` runs on ``ExportedProgram.module()`` before the
  backend's passes, to get the graph dynamo would have handed the backend.
* The backend's own chain (``backend.build``) is regions -> cut (analyses: facts about the traced
  graph) -> one specialising pass per variant (:func:`~.specialize.full_pass`,
  :func:`~.specialize.reuse_pass`, :func:`~.specialize.residual_pass`, :func:`~.specialize.forecast_pass`),
  each run by :func:`~.manager.run_passes` on the traced graph.
"""

from __future__ import annotations

import torch
import torch.fx as fx

from .flatten import flatten_exported
from .manager import Condition, Pass
from .shapes import hoist_shape_arithmetic
from .squeeze import drop_noop_squeezes

__all__ = ["EXPORT_PASSES", "lint"]


def lint(gm: fx.GraphModule) -> fx.GraphModule:
    """The shared clean-up at the end of a list: check the graph and regenerate its code."""
    gm.graph.lint()
    gm.recompile()
    return gm


def _placeholders_first(gm: fx.GraphModule):
    ops = [n.op for n in gm.graph.nodes]
    first_other = next((i for i, op in enumerate(ops) if op != "placeholder"), len(ops))
    late = [n.name for n in list(gm.graph.nodes)[first_other:] if n.op == "placeholder"]
    return f"placeholders {late[:3]} come after other nodes" if late else None


def _no_guards(gm: fx.GraphModule):
    left = [
        n.name
        for n in gm.graph.nodes
        if (n.op == "call_module" and str(n.target).startswith("_guards_fn"))
        or n.target is torch.ops.aten._assert_tensor_metadata.default
    ]
    return f"guard / metadata assert nodes {left[:3]} are left" if left else None


EXPORT_PASSES = [
    Pass(
        "flatten_exported",
        flatten_exported,
        ensures=(Condition("placeholders first", _placeholders_first), Condition("no guard nodes", _no_guards)),
    ),
    Pass("drop_noop_squeezes", drop_noop_squeezes),
    Pass("hoist_shape_arithmetic", hoist_shape_arithmetic),
    Pass("lint", lint),
]

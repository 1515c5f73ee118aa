"""Pass manager: an ordered list of graph passes, each checked and logged.

Modelled on torch-tensorrt's lowering pass list (``dynamo/lowering/passes/``) and torch.fx's
``passes/infra/pass_base.py`` (``requires`` / ``ensures``):

* a :class:`Pass` is a function ``GraphModule -> GraphModule`` with a name and optional
  pre-conditions (``requires``) and post-conditions (``ensures``) on the graph it receives / returns;
* :func:`run_passes` runs a list of them in order, checks each condition, and logs on the
  ``bdcompile.passes`` logger (DEBUG) what each pass changed: node counts before and after, per op;
* a :class:`Condition` is a named check ``GraphModule -> None | str`` (``None``: it holds; a string:
  what is wrong). A failing one raises :class:`PassConditionError` naming the pass and the condition.

Passes that specialise a graph (``specialize.py``) copy it; clean-up passes (``flatten.py``,
``squeeze.py``, ``shapes.py``) rewrite the graph module they are handed, which the caller owns, and
return it. Either way the caller continues with the returned module only.

Set ``BDCOMPILE_DUMP_PASSES=1`` (and DEBUG on ``bdcompile.passes``) to log each graph before and after
every pass.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import torch.fx as fx

__all__ = ["Condition", "Pass", "PassConditionError", "run_passes", "node_counts"]

log = logging.getLogger("bdcompile.passes")


class PassConditionError(AssertionError):
    """A pass's ``requires`` did not hold on its input, or its ``ensures`` on its output.

    An ``AssertionError``: a broken condition is a bug of the pass (or of the pass before it), not a
    property of the user's model that an option could change."""

    def __init__(self, pass_name: str, kind: str, condition: str, detail: str):
        self.pass_name, self.kind, self.condition, self.detail = pass_name, kind, condition, detail
        super().__init__(f"blockdance: pass {pass_name!r}: {kind} {condition!r} does not hold: {detail}")


@dataclass(frozen=True)
class Condition:
    """A named check of a graph: ``check(gm)`` returns None when it holds, else what is wrong."""

    name: str
    check: Callable[[fx.GraphModule], Optional[str]]


@dataclass(frozen=True)
class Pass:
    """One step of a pipeline: ``fn(gm) -> gm`` with its pre- and post-conditions."""

    name: str
    fn: Callable[[fx.GraphModule], fx.GraphModule]
    requires: tuple = ()
    ensures: tuple = ()


def node_counts(gm: fx.GraphModule) -> Counter:
    """Nodes per op (``placeholder``, ``call_function``, ...) of a graph module."""
    return Counter(n.op for n in gm.graph.nodes)


def _check(p: Pass, kind: str, conditions: Sequence[Condition], gm: fx.GraphModule) -> None:
    for cond in conditions:
        problem = cond.check(gm)
        if problem:
            raise PassConditionError(p.name, kind, cond.name, problem)


def _change(before: Counter, after: Counter) -> str:
    ops = sorted(set(before) | set(after))
    delta = ", ".join(f"{op} {after[op] - before[op]:+d}" for op in ops if after[op] != before[op])
    return f"{sum(before.values())} -> {sum(after.values())} nodes" + (f" ({delta})" if delta else " (unchanged)")


def run_passes(gm: fx.GraphModule, passes: Sequence[Pass], what: str = "graph") -> fx.GraphModule:
    """Run ``passes`` in order on ``gm`` and return the last one's result (see the module docstring).

    ``what`` names the pipeline in the log lines (``"export"``, ``"variant reuse@9"``)."""
    dump = os.environ.get("BDCOMPILE_DUMP_PASSES") == "1" and log.isEnabledFor(logging.DEBUG)
    for p in passes:
        _check(p, "requires", p.requires, gm)
        before = node_counts(gm)
        if dump:
            log.debug("%s: before %s:\n%s", what, p.name, gm.graph)
        out = p.fn(gm)
        if not isinstance(out, fx.GraphModule):
            raise TypeError(f"blockdance: pass {p.name!r} returned {type(out).__name__}, not a GraphModule")
        log.debug("%s: %s: %s", what, p.name, _change(before, node_counts(out)))
        if dump:
            log.debug("%s: after %s:\n%s", what, p.name, out.graph)
        _check(p, "ensures", p.ensures, out)
        gm = out
    return gm

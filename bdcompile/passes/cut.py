"""Cut pass: the values that leave the skipped blocks and are still needed.

Given the block regions and a boundary ``b``, the *skipped region* is every node of blocks with
execution order ``< b``, plus the glue between them: nodes outside any block that depend on a
skipped value and whose every user is skipped too (reshapes between Latte's spatial and temporal
blocks, Hunyuan's skip stack bookkeeping, ...).  The *cut* is the set of skipped values with a user
outside the region: normally the hidden states entering block ``b``; for two-stream blocks both
streams; for long skip connections the early blocks' outputs that late blocks read.  A reuse step
feeds exactly these values from the cache, so caching them is necessary and sufficient.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

import torch
import torch.fx as fx

from .regions import BlockRegions

__all__ = ["Cut", "find_cut", "mutates"]

_NO_RUN = ("placeholder", "output", "get_attr")


@dataclass
class Cut:
    boundary: int
    skipped: set  # fx.Node: nodes that do not run on a reuse step
    values: list  # fx.Node: cut values, in graph order

    def describe(self) -> list[dict]:
        out = []
        for n in self.values:
            ev = n.meta.get("example_value", n.meta.get("val"))
            out.append({"node": n.name, "shape": tuple(ev.shape) if isinstance(ev, torch.Tensor) else None,
                        "dtype": str(ev.dtype).replace("torch.", "") if isinstance(ev, torch.Tensor) else None})
        return out


def mutates(node: fx.Node) -> bool:
    """In-place ops (``x.add_(y)``, ``torch.relu_``, item assignment, ``out=``): kept even when their
    result is unused, and never allowed to write into a cached value."""
    if node.is_impure():
        return True
    if _global_state(node):
        return True
    if node.op in ("call_method", "call_function"):
        name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")
        if name.endswith("_") and not name.endswith("__") or name in ("setitem", "__setitem__") or "out" in node.kwargs:
            return True
    return False


def _global_state(node: fx.Node) -> bool:
    """vmap/grad nesting levels are interpreter state: every enter must meet its exit."""
    name = getattr(node.target, "__name__", "") if node.op == "call_function" else ""
    return name.endswith(("_increment_nesting", "_decrement_nesting")) or name in (
        "lazy_load_decompositions", "_set_fwd_grad_enabled", "set_inplace_requires_grad_allowed")


def _value(node: fx.Node):
    return node.meta.get("example_value", node.meta.get("val"))


def find_cut(gm: fx.GraphModule, regions: BlockRegions, boundary: int) -> Cut:
    if not 1 <= boundary < len(regions.blocks):
        raise ValueError(
            f"blockdance: boundary={boundary} is outside the block stack: it must be in [1, {len(regions.blocks) - 1}] "
            f"for the {len(regions.blocks)} blocks found ({regions.stacks}); reuse steps skip blocks [0, boundary)"
        )
    nodes = list(gm.graph.nodes)
    skipped = {n for n, blk in regions.node_block.items() if blk.order < boundary}

    # nodes that (transitively) read a skipped value
    tainted = set(skipped)
    for n in nodes:
        if n not in tainted and n.op not in _NO_RUN and any(a in tainted for a in n.all_input_nodes):
            tainted.add(n)
    # glue: tainted non-block nodes all of whose users are skipped; an in-place op on a skipped value
    # is glue too when nothing outside the region reads that value after it
    position = {n: i for i, n in enumerate(nodes)}
    for n in reversed(nodes):
        if n not in tainted or n in skipped or n.op in _NO_RUN:
            continue
        if n.users and all(u in skipped for u in n.users):
            skipped.add(n)
        elif mutates(n) and all(u in skipped for u in n.users) and n.args and isinstance(n.args[0], fx.Node) \
                and n.args[0] in skipped and all(u in skipped or u is n or position[u] < position[n] for u in n.args[0].users):
            skipped.add(n)

    # tuple-valued cut nodes (a block returning several values): cut their getitem users instead;
    # sizes (SymInt) read off skipped tensors under dynamic shapes are cut as plain ints
    changed = True
    while changed:
        changed = False
        for n in nodes:
            if n in skipped and not isinstance(_value(n), torch.Tensor):
                outside = [u for u in n.users if u not in skipped]
                if outside and all(u.op == "call_function" and u.target is operator.getitem for u in outside):
                    skipped.update(outside)
                    changed = True

    skipped -= {n for n in skipped if _global_state(n)}  # they run on every step, in balanced pairs
    values = [n for n in nodes if n in skipped and any(u not in skipped for u in n.users)]
    bad = [n.name for n in values if not isinstance(_value(n), (torch.Tensor, torch.SymInt, int))]
    if bad:
        raise ValueError(
            f"blockdance: the values leaving blocks [0, {boundary}) include non-tensors ({bad[:4]}); "
            "they cannot be cached. Try another boundary."
        )
    return Cut(boundary=boundary, skipped=skipped, values=values)

"""Cut pass: the values that leave the skipped blocks and are still needed.

Given the block regions and a boundary ``b``, the *skipped region* is every node of blocks with
execution order ``< b``, plus the glue between them: nodes outside any block that depend on a
skipped value and whose every user is skipped too (reshapes between Latte's spatial and temporal
blocks, Hunyuan's skip stack bookkeeping, ...).  The *cut* is the set of skipped values with a user
outside the region: normally the hidden states entering block ``b``; for two-stream blocks both
streams; for long skip connections the early blocks' outputs that late blocks read.  A reuse step
feeds exactly these values from the cache, so caching them is necessary and sufficient.

Sizes are not data of a block: dynamo records a symbolic size expression (``-u1``, ``s0 * 4``) once
and hands the same node to every later use, so a size first computed inside block 0 is read by
block 5 through a node that carries block 0's module stack.  A scalar node (SymInt/SymBool/int)
none of whose inputs is skipped is therefore recomputed on reuse steps rather than cut; sizes of
skipped tensors are still cut (as plain ints).

:func:`check_cut` is the pass's post-condition, checked on every graph: no node of a block at or
after the boundary is skipped or cut, every value leaving the skipped region is cut, and every cut
value can be cached.  A violation raises :class:`CutError` naming the node.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import torch
import torch.fx as fx

from .regions import BlockRegions

__all__ = ["Cut", "CutError", "NothingToSkipError", "check_cut", "find_cut", "mutates"]

_NO_RUN = ("placeholder", "output", "get_attr")
_SCALARS = (torch.SymInt, torch.SymBool, torch.SymFloat, int, float, bool)


class CutError(ValueError):
    """The cut does not meet its post-condition (see :func:`check_cut`)."""


class NothingToSkipError(ValueError):
    """The model has fewer than two blocks: no boundary leaves a block to skip and one to run."""


@dataclass
class Cut:
    boundary: int
    skipped: set  # fx.Node: nodes that do not run on a reuse step
    values: list  # fx.Node: cut values, in graph order

    def describe(self) -> list[dict]:
        out = []
        for n in self.values:
            ev = n.meta.get("example_value", n.meta.get("val"))
            out.append(
                {
                    "node": n.name,
                    "shape": tuple(ev.shape) if isinstance(ev, torch.Tensor) else None,
                    "dtype": str(ev.dtype).replace("torch.", "") if isinstance(ev, torch.Tensor) else None,
                }
            )
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
        "lazy_load_decompositions",
        "_set_fwd_grad_enabled",
        "set_inplace_requires_grad_allowed",
    )


def _value(node: fx.Node):
    return node.meta.get("example_value", node.meta.get("val"))


def _is_scalar(node: fx.Node) -> bool:
    v = _value(node)
    return node.op == "call_function" and v is not None and isinstance(v, _SCALARS)


def find_cut(gm: fx.GraphModule, regions: BlockRegions, boundary: int, whole_stack: bool = False) -> Cut:
    """The skipped region and the cut values for ``boundary``; checked by :func:`check_cut`.

    ``whole_stack``: ``boundary`` may equal the number of blocks (every block skipped; residual reuse
    adds the stack's residual to its input, so nothing after the stack needs a block to run)."""
    if len(regions.blocks) < 2:
        names = ", ".join(b.name for b in regions.blocks)
        raise NothingToSkipError(
            f"blockdance: nothing to skip: the model has one transformer block ({names}); reuse steps skip "
            "blocks [0, boundary) and run the rest, so at least two blocks are needed. Pass "
            "options={'fallback': True} to run the plain inner backend."
        )
    top = len(regions.blocks) if whole_stack else len(regions.blocks) - 1
    if not 1 <= boundary <= top:
        raise ValueError(
            f"blockdance: boundary={boundary} is outside the block stack: it must be in [1, {top}] "
            f"for the {len(regions.blocks)} blocks found ({regions.stacks}); reuse steps skip blocks [0, boundary)"
            + ("" if whole_stack else f" (boundary={len(regions.blocks)}, the whole stack, needs reuse='residual')")
        )
    nodes = list(gm.graph.nodes)
    skipped = {n for n, blk in regions.node_block.items() if blk.order < boundary}
    # size arithmetic on values that still exist on reuse steps is recomputed there, whichever block's
    # module stack dynamo gave the node (it records a size expression once and reuses the node)
    for n in nodes:
        if n in skipped and _is_scalar(n) and not mutates(n) and not any(a in skipped for a in n.all_input_nodes):
            skipped.discard(n)

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
        elif (
            mutates(n)
            and all(u in skipped for u in n.users)
            and n.args
            and isinstance(n.args[0], fx.Node)
            and n.args[0] in skipped
            and all(u in skipped or u is n or position[u] < position[n] for u in n.args[0].users)
        ):
            skipped.add(n)

    # tuple-valued cut nodes (a block returning several values): cut the getitem users that unpack
    # them instead (only those taking the tuple itself, never a getitem that merely indexes with a
    # skipped size); sizes (SymInt) read off skipped tensors under dynamic shapes are cut as plain ints
    changed = True
    while changed:
        changed = False
        for n in nodes:
            if n in skipped and not isinstance(_value(n), (torch.Tensor, *_SCALARS)):
                outside = [u for u in n.users if u not in skipped]
                if outside and all(
                    u.op == "call_function" and u.target is operator.getitem and u.args[0] is n for u in outside
                ):
                    skipped.update(outside)
                    changed = True

    skipped -= {n for n in skipped if _global_state(n)}  # they run on every step, in balanced pairs
    values = [n for n in nodes if n in skipped and any(u not in skipped for u in n.users)]
    cut = Cut(boundary=boundary, skipped=skipped, values=values)
    check_cut(gm, regions, cut)
    return cut


def _owner(regions: BlockRegions, node: fx.Node) -> str:
    blk = regions.node_block.get(node)
    return f"block {blk.order} ({blk.name})" if blk is not None else "no block (glue between blocks)"


def check_cut(gm: fx.GraphModule, regions: BlockRegions, cut: Cut) -> None:
    """Post-condition of the cut pass; raises :class:`CutError` naming the first offending node.

    1. The skipped region holds no node of a block at or after the boundary (those run on reuse
       steps: a cut value made there would feed them their own stale internals).
    2. Every cut value is skipped and produced inside blocks ``[0, boundary)`` or their glue, and it
       is a tensor or an int (a size), the only things the cache holds.
    3. Every skipped value read by a node that runs on reuse steps is a cut value (else the reuse
       graph would still read a deleted node).
    4. Nodes of blocks ``[0, boundary)`` that still run on reuse steps are scalar size arithmetic on
       values that exist there (see the module docstring).
    """
    b = cut.boundary
    skipped, values = cut.skipped, set(cut.values)
    late = [
        n
        for n in gm.graph.nodes
        if n in skipped and regions.node_block.get(n) is not None and regions.node_block[n].order >= b
    ]
    for n in gm.graph.nodes:
        if n in values and (n in late or n not in skipped):
            raise CutError(
                f"blockdance: cut value {n.name} is produced by {_owner(regions, n)}, which is not skipped at "
                f"boundary {b}; reuse steps would feed it a stale value of its own computation"
            )
    if late:
        n = late[0]
        raise CutError(
            f"blockdance: node {n.name} of {_owner(regions, n)} is in the skipped region at boundary {b}, "
            "but blocks >= boundary run on reuse steps"
        )
    for n in cut.values:
        v = _value(n)
        if not isinstance(v, (torch.Tensor, torch.SymInt, int)) or isinstance(v, bool):
            raise CutError(
                f"blockdance: the values leaving blocks [0, {b}) include {n.name} ({type(v).__name__}), produced by "
                f"{_owner(regions, n)}; only tensors and sizes can be cached. Try another boundary."
            )
    for n in gm.graph.nodes:
        if n in skipped and n not in values and any(u not in skipped for u in n.users):
            u = next(u for u in n.users if u not in skipped)
            raise CutError(
                f"blockdance: skipped node {n.name} of {_owner(regions, n)} is read by {u.name}, which runs "
                f"on reuse steps, but it is not a cut value"
            )
    for n, blk in regions.node_block.items():
        if blk.order < b and n not in skipped and not _global_state(n) and n.op not in _NO_RUN:
            if not (_is_scalar(n) and not any(a in skipped for a in n.all_input_nodes)):
                raise CutError(
                    f"blockdance: node {n.name} of {_owner(regions, n)} runs on reuse steps although its "
                    f"block is skipped at boundary {b}"
                )

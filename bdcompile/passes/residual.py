"""Residual pass: for each value leaving a skipped region, the value it is the residual stream of.

A transformer block adds to its input (``h = h + attn(h)``, ``h = h + ff(h)``), so the value leaving
blocks ``[lo, hi)`` is the value that entered block ``lo`` plus what the blocks added: its *residual*.
Residual reuse caches that residual at a full step and adds it to the *current* entering value on
skipped steps (FirstBlockCache, TeaCache, MagCache cache residuals; BlockDance caches the value).

:func:`residual_bases` finds, for each cut value, its *base*: the node outside the skipped region,
of the same shape and dtype, that the residual chain starts from. It follows the first input of the
same shape and dtype through the region (the residual add keeps the stream in its first operand in
every diffusers block), and falls back to the nearest same-shaped input of the region. A cut value
without a base (a size, a value made from nothing of its shape) is cached as a value.

    graph (blocks 0..1 skipped)              residual_bases -> [add_1]
      x0 = embed(x)        <- base               full: outputs  x2 - x0
      x1 = add(x0, attn0(x0))                    residual variant: x2 := x0 + cached
      x2 = add(x1, ff1(x1))  <- cut value
"""

from __future__ import annotations

from collections import deque
from typing import Optional

import torch
import torch.fx as fx

__all__ = ["residual_bases"]


def _meta(node: fx.Node):
    v = node.meta.get("example_value", node.meta.get("val"))
    return (tuple(v.shape), v.dtype) if isinstance(v, torch.Tensor) else None


def _chain(value: fx.Node, region: set, want) -> Optional[fx.Node]:
    node, seen = value, set()
    while node in region and node not in seen:
        seen.add(node)
        nxt = next((a for a in node.all_input_nodes if _meta(a) == want), None)
        if nxt is None:
            return None
        node = nxt
    return node if node not in region and _meta(node) == want else None


def _nearest(value: fx.Node, region: set, want) -> Optional[fx.Node]:
    queue, seen = deque([value]), {value}
    while queue:
        node = queue.popleft()
        for a in node.all_input_nodes:
            if a in seen:
                continue
            seen.add(a)
            if a not in region:
                if _meta(a) == want and a.op != "get_attr":
                    return a
                continue
            queue.append(a)
    return None


def residual_bases(values: list, region: set) -> list:
    """For each node of ``values`` (cut values of the skipped ``region``), its base node outside the
    region, or None (see the module docstring)."""
    out = []
    for v in values:
        want = _meta(v)
        if want is None:
            out.append(None)
            continue
        base = _chain(v, region, want) or _nearest(v, region, want)
        out.append(base if base is not None and base.op != "get_attr" else None)
    return out

"""Squeeze pass: drop the dims of ``aten.squeeze`` that are statically not 1 (no-ops).

``aten.squeeze.dim`` on a dim that is never 1 does nothing in torch, but the ONNX exporter emits a
Squeeze that onnxruntime rejects (PixArt's ``hidden_states.squeeze(1)`` on a ``[B, 4, D]`` tensor).

    before                                          after
      y = aten.squeeze.dim(x, 1)     # x: [s0, 4, 8]    (y's uses read x)
      z = aten.squeeze.dims(w, [0, 1])  # w: [1, 4]     z = aten.squeeze.dims(w, [0])
"""

from __future__ import annotations

import torch
import torch.fx as fx
from torch.fx.experimental.symbolic_shapes import statically_known_true

__all__ = ["drop_noop_squeezes"]


def _val(node: fx.Node):
    return node.meta.get("val", node.meta.get("example_value"))


def drop_noop_squeezes(gm: fx.GraphModule) -> fx.GraphModule:
    """Rewrite ``gm`` in place (see the module docstring) and return it."""
    targets = {torch.ops.aten.squeeze.dim, torch.ops.aten.squeeze.dims}
    changed = 0
    for n in list(gm.graph.nodes):
        if n.op != "call_function" or n.target not in targets:
            continue
        src = n.args[0]
        v = _val(src)
        if not isinstance(v, torch.Tensor):
            continue
        dims = n.args[1] if len(n.args) > 1 else n.kwargs.get("dim")
        dims = [dims] if isinstance(dims, int) else list(dims)
        size = (lambda d, v=v: v.shape[d]) if v.dim() else (lambda d: 1)
        # a dim that is never 1 (static, or symbolic with a range above 1 in the export) is kept by torch
        keep = [d for d in dims if not statically_known_true(size(d) != 1)]
        if len(keep) == len(dims):
            continue
        if not keep:
            n.replace_all_uses_with(src, propagate_meta=False)
            gm.graph.erase_node(n)
        else:
            n.target = torch.ops.aten.squeeze.dims
            n.args = (src, keep)
        changed += 1
    if changed:
        gm.graph.lint()
        gm.recompile()
    return gm

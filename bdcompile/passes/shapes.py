"""Shape-arithmetic pass: size arithmetic on the inputs belongs to no block.

``torch.export`` records a size expression once and gives the node the module stack of the code that
first computed it; a size computed inside block 0 and read by block 5 would look like a value leaving
block 0 (and a SymInt cut value). This pass clears the module stack of every scalar node (SymInt,
SymFloat, int) computed only from placeholders and other such nodes, so that the regions pass does
not count it in a block (the cut pass then recomputes it on reuse steps).

    before                                          after
      n = sym_size(x, 1)    # stack: blocks.0         n = sym_size(x, 1)    # stack: {}
      m = n * 4             # stack: blocks.0         m = n * 4             # stack: {}
      y = view(h5, [m, 8])  # stack: blocks.5         y = view(h5, [m, 8])  # stack: blocks.5
"""

from __future__ import annotations

import torch
import torch.fx as fx

__all__ = ["hoist_shape_arithmetic"]


def _val(node: fx.Node):
    return node.meta.get("val", node.meta.get("example_value"))


def hoist_shape_arithmetic(gm: fx.GraphModule) -> fx.GraphModule:
    """Clear the module stack of input-size arithmetic in ``gm`` (in place; see the module docstring)."""
    pure: set = set()
    for n in gm.graph.nodes:
        if n.op == "placeholder":
            pure.add(n)
            continue
        v = _val(n)
        if (
            n.op == "call_function"
            and isinstance(v, (torch.SymInt, torch.SymFloat, torch.SymBool, int))
            and not isinstance(v, bool)
            and all(a in pure for a in n.all_input_nodes)
        ):
            pure.add(n)
            if n.meta.get("nn_module_stack"):
                n.meta["nn_module_stack"] = {}
    return gm

"""Flatten pass: an unlifted ``torch.export`` module -> a flat graph like the ones dynamo hands a backend.

``ExportedProgram.module()`` takes and returns pytrees, checks its inputs with a ``_guards_fn`` call
and asserts tensor metadata; the backend's passes expect dynamo's shape of graph: tensor leaves in,
output leaves out, placeholders first.

    before (ep.module())                           after
      def forward(self, x, t, return_dict):          def forward(self, x, t, return_dict):
          x, t, return_dict = fx_pytree...(...)          w = self.proj.weight
          w = self.proj.weight                           y = torch.ops.aten.linear.default(x, w)
          _guards_fn = self._guards_fn(x, t)             return (y,)
          _assert_tensor_metadata(x, dtype=f32)
          y = torch.ops.aten.linear.default(x, w)
          return pytree.tree_unflatten((y,), spec)

Non-tensor leaves keep their placeholders (the caller matches placeholders with leaves and erases the
constant ones).
"""

from __future__ import annotations

import torch
import torch.fx as fx

__all__ = ["flatten_exported"]


def flatten_exported(um: fx.GraphModule) -> fx.GraphModule:
    """``ep.module()`` as a flat graph: one placeholder per pytree leaf of ``(args, kwargs)``, in order,
    placeholders first, no guards or metadata asserts, no pytree in/out wrapping (a new module; ``um``
    is left as it was)."""
    graph = fx.Graph()
    env: dict = {}
    out = graph.graph_copy(um.graph, env)
    graph.output(out)
    for n in list(graph.nodes):
        if n.op == "call_module" and str(n.target).startswith("_guards_fn") and not n.users:
            graph.erase_node(n)
        elif n.op == "call_function" and n.target is torch.ops.aten._assert_tensor_metadata.default:
            graph.erase_node(n)
    graph._codegen = fx.graph.CodeGen()  # drop the pytree in/out wrapping
    # placeholders first, as in dynamo's graphs (the unlifted module puts get_attr nodes before them;
    # the forecast pass inserts its arithmetic before the first non-placeholder node)
    phs = [n for n in graph.nodes if n.op == "placeholder"]
    anchor = next(n for n in graph.nodes if n.op != "placeholder")
    for ph in phs:
        anchor.prepend(ph)
    return fx.GraphModule(um, graph, class_name="BlockDanceExported")

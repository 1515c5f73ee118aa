"""Inner compilers: turn one variant graph into a callable, once per input signature."""

from __future__ import annotations

import collections
import logging
import threading
import time
import warnings
from typing import Callable

import torch
import torch.fx as fx

from .keys import signature
from .passes import copy_graph_module

log = logging.getLogger(__name__)

__all__ = ["resolve_inner", "LazyVariant", "signature"]


def _inductor(gm: fx.GraphModule, example_inputs):
    from torch._inductor.compile_fx import compile_fx

    return compile_fx(gm, example_inputs)


def _eager(gm: fx.GraphModule, example_inputs):
    return gm.forward


def _tensorrt(gm: fx.GraphModule, example_inputs):
    try:
        import torch_tensorrt  # noqa: F401  (registers the "tensorrt" dynamo backend)
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError(
            "blockdance: inner='tensorrt' needs torch-tensorrt (NVIDIA GPU, Linux): pip install 'bdcompile[tensorrt]' "
            "or pip install torch-tensorrt matching your torch version"
        ) from e
    return torch._dynamo.lookup_backend("tensorrt")(gm, example_inputs)


_INNER = {"inductor": _inductor, "eager": _eager, "tensorrt": _tensorrt}


def resolve_inner(inner) -> Callable:
    if callable(inner):
        return inner
    if inner == "tensorrt":
        try:
            import torch_tensorrt  # noqa: F401
        except ImportError as e:
            raise ImportError(
                "blockdance: inner='tensorrt' needs torch-tensorrt (NVIDIA GPU, Linux): "
                "pip install 'bdcompile[tensorrt]' (or torch-tensorrt for your torch version)"
            ) from e
    return _INNER[inner]


class LazyVariant:
    """A variant graph compiled by the inner compiler on its first call with real inputs.

    Graphs with symbolic sizes (after a dynamo recompile with dynamic shapes) get one compiled
    callable per input signature, at most ``MAX_COMPILED`` of them (least recently used dropped,
    with a warning: a stream of new shapes would otherwise grow without bound); static graphs get
    exactly one. Compiling is serialised (threads may call a variant for the first time at once).
    """

    MAX_COMPILED = 8

    def __init__(self, name: str, gm: fx.GraphModule, compiler: Callable):
        self.name = name
        self.gm = gm
        self.compiler = compiler
        self.compiled: "collections.OrderedDict" = collections.OrderedDict()
        self._lock = threading.Lock()
        self._warned = False
        phs = [n for n in gm.graph.nodes if n.op == "placeholder"]
        # symbolic ints the graph never reads (the storage offset of a timestep view, new every step) cannot change
        # the compiled code: they are left out of the signature, or every step would compile again
        self._unread = frozenset(
            i for i, n in enumerate(phs) if isinstance(n.meta.get("example_value"), torch.SymInt) and not n.users
        )
        self.dynamic = any(
            n.op == "placeholder" and isinstance(n.meta.get("example_value"), torch.SymInt) for n in gm.graph.nodes
        ) or any(
            n.op == "placeholder"
            and isinstance(n.meta.get("example_value"), torch.Tensor)
            and any(isinstance(d, torch.SymInt) for d in n.meta["example_value"].shape)
            for n in gm.graph.nodes
        )

    def _signature(self, args) -> tuple:
        if self._unread:
            args = [a for i, a in enumerate(args) if i not in self._unread]
        return signature(args)

    def compile_now(self, args) -> Callable:
        key = self._signature(args) if self.dynamic else None
        with self._lock:
            fn = self.compiled.get(key)
            if fn is None:
                gm, _ = copy_graph_module(self.gm)  # inner compilers may rewrite the graph they get
                log.info("blockdance: compiling the %s variant (%d nodes) ...", self.name, len(gm.graph.nodes))
                t0 = time.perf_counter()
                fn = self.compiler(gm, list(args))
                log.info("blockdance: compiled the %s variant in %.1f s", self.name, time.perf_counter() - t0)
                self.compiled[key] = fn
                if len(self.compiled) > self.MAX_COMPILED:
                    self.compiled.popitem(last=False)
                    if not self._warned:
                        self._warned = True
                        warnings.warn(
                            f"blockdance: the {self.name} variant has been compiled for more than "
                            f"{self.MAX_COMPILED} input shapes; keeping the {self.MAX_COMPILED} used last "
                            "(each new shape compiles again). Pad inputs to a few sizes to avoid recompiles.",
                            stacklevel=1,
                        )
            elif key is not None:
                self.compiled.move_to_end(key)
        return fn

    def __call__(self, *args):
        if not self.dynamic:
            fn = self.compiled.get(None)
        else:
            fn = self.compiled.get(self._signature(args))
        if fn is None:
            fn = self.compile_now(args)
        return fn(*args)

"""What dynamo hands the backend: the frame a graph comes from, and whether it is the whole forward.

A graph can be

* the **whole forward** of the compiled model (the common case);
* a **piece** of a forward that graph-breaks: dynamo compiles the code before the break, then a
  resume function for the rest (``torch_dynamo_resume_in_forward_at_N``), each as its own graph;
* a **fragment**: a frame nested inside the model (a block's ``forward``) that dynamo compiles on
  its own because it runs the model's forward eagerly — past ``torch._dynamo.config.recompile_limit``
  compiles of that forward, or because the forward itself could not be traced.

Everything here reads dynamo's private state defensively: where it is unavailable, a graph counts
as a whole forward (today's behaviour).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Optional

import torch

__all__ = [
    "TracedFrame",
    "traced_frame",
    "locate_parent",
    "limit_reached",
    "limit_fallback",
    "compiled_with_blockdance",
    "compiled_in_place",
    "find_enclosing_model",
    "module_holding",
    "attention_lists",
    "dynamo_context",
]


@dataclass
class TracedFrame:
    code_name: str = "forward"
    module: Optional[torch.nn.Module] = None  # the frame's module (owner of the graph's parameters)
    resume: bool = False  # a resume function after a graph break
    ends_in_break: bool = False  # the graph stops at a graph break
    break_reason: str = ""
    parent: Optional[torch.nn.Module] = None  # for a fragment: the model running eagerly around it
    parent_path: str = ""  # where the fragment's module sits in the parent (e.g. "transformer_blocks.3")
    notes: list = field(default_factory=list)
    located: bool = False  # locate_parent has looked for the parent
    regional: bool = False  # the parent's blocks are compiled in place; its forward is plain Python (not dynamo's)

    code: object = None

    @property
    def piece(self) -> bool:
        """Part of a forward that graph-breaks."""
        return self.resume or self.ends_in_break

    @property
    def helper(self) -> bool:
        """A frame of the model other than its ``forward`` (a helper method, a comprehension, a function
        it calls) that dynamo compiled on its own."""
        if self.module is None or self.code is None:
            return self.code_name != "forward"
        fwd = getattr(type(self.module).forward, "__code__", None)
        return self.code is not fwd and not self.resume

    @property
    def fragment(self) -> bool:
        return self.parent is not None

    @property
    def limit_hit(self) -> bool:
        """The parent's forward reached dynamo's recompile limit (else: a graph break dynamo could not resume)."""
        return self.parent is not None and not self.regional and limit_reached(type(self.parent)) is not None

    def cause(self) -> str:
        """Why dynamo compiled a fragment instead of the parent's whole forward."""
        if self.parent is None:
            return ""
        if self.regional:
            return (
                f"the blocks of {type(self.parent).__name__} are compiled in place (regional compilation, e.g. "
                "compile_repeated_blocks), so its forward runs as plain Python around them"
            )
        hit = limit_reached(type(self.parent))
        if hit is not None:
            entries, limit = hit
            return (
                f"{type(self.parent).__name__}.forward was compiled {entries} times already (dynamo's "
                f"torch._dynamo.config.recompile_limit = {limit}: several models of one class compiled with "
                "different options, or many input shapes), so dynamo runs it eagerly and compiles its blocks one "
                "by one"
            )
        return (
            f"dynamo did not compile {type(self.parent).__name__}.forward as a whole (a graph break it could "
            "not resume from, e.g. inside a loop, so the rest of the forward runs eagerly), so it compiles what "
            "the forward calls one by one"
        )


def limit_reached(cls) -> Optional[tuple]:
    """``(entries, limit)`` when ``cls.forward`` holds ``torch._dynamo.config.recompile_limit`` compiled
    entries or more (dynamo then runs it eagerly for any input its entries do not accept), else None."""
    fwd = getattr(getattr(cls, "forward", None), "__code__", None)
    limit = getattr(torch._dynamo.config, "recompile_limit", None)
    if fwd is None or limit is None:
        return None
    try:
        from torch._dynamo.eval_frame import _debug_get_cache_entry_list

        entries = len(_debug_get_cache_entry_list(fwd))
    except Exception:  # noqa: BLE001  (private API)
        return None
    return (entries, limit) if entries >= limit else None


def attention_lists(module: torch.nn.Module) -> list[str]:
    """Paths of the module lists of ``module`` whose members hold an attention module (outermost only)."""
    found = []
    for name, sub in module.named_modules():
        if not isinstance(sub, torch.nn.ModuleList) or not len(sub) or any(name.startswith(f + ".") for f in found):
            continue
        if any(
            "Attention" in type(m).__name__ or isinstance(m, torch.nn.MultiheadAttention)
            for member in sub
            for m in member.modules()
        ):
            found.append(name)
    return found


def dynamo_context(obj):
    """The ``torch.compile`` context of ``obj``: a ``torch.compile`` wrapper's ``dynamo_ctx``, or, for a module
    compiled in place (``module.compile(...)``), the context its compiled call closes over; None if not found."""
    ctx = getattr(obj, "dynamo_ctx", None)
    if ctx is not None:
        return ctx
    fn = obj.__dict__.get("_compiled_call_impl") if isinstance(obj, torch.nn.Module) else obj
    code, cells = getattr(fn, "__code__", None), getattr(fn, "__closure__", None)
    if code is None or not cells:
        return None
    for name, cell in zip(code.co_freevars, cells):  # private: eval_frame's _fn closes over its context as "self"
        if name == "self":
            try:
                value = cell.cell_contents
            except ValueError:
                return None
            return value if hasattr(value, "callback") else None
    return None


def compiled_with_blockdance(obj) -> bool:
    """``obj`` is a ``torch.compile`` wrapper (or a module compiled in place) whose backend is ``"blockdance"``."""
    backend = getattr(getattr(dynamo_context(obj), "callback", None), "_torchdynamo_orig_backend", None)
    for _ in range(6):
        if backend is None:
            return False
        if (
            getattr(backend, "compiler_name", None) == "blockdance"
            or getattr(backend, "__name__", None) == "blockdance"
        ):
            return True
        backend = getattr(backend, "_torchdynamo_orig_backend", None) or getattr(backend, "compiler_fn", None)
    return False


def limit_fallback(obj) -> Optional[dict]:
    """For a module compiled with ``backend="blockdance"`` whose class's forward reached dynamo's recompile
    limit: what ``explain`` reports and the warning says (dynamo runs it eagerly, the backend never sees it)."""
    if not compiled_with_blockdance(obj):
        return None
    module = getattr(obj, "_orig_mod", obj)
    hit = limit_reached(type(module))
    if hit is None:
        return None
    entries, limit = hit
    name = type(module).__name__
    return {
        "kind": "recompile_limit",
        "entries": entries,
        "limit": limit,
        "why": (
            f"blockdance: {name}.forward already has {entries} compiled versions, dynamo's "
            f"torch._dynamo.config.recompile_limit = {limit} (several models of one class compiled with "
            "different options, or many input shapes), so dynamo runs this "
            f"{name} eagerly and never calls the backend: no caching for its calls (they run uncached, as the "
            "eager model). Raise torch._dynamo.config.recompile_limit above the number of compiled "
            "configurations and shapes, or compile with fullgraph=True to make this an error."
        ),
    }


def _first_param(example_inputs):
    return next((x for x in example_inputs if isinstance(x, torch.nn.Parameter)), None)


def _owns(module, p) -> bool:
    return p is not None and any(q is p for q in module.parameters())


def _find_parent(module: torch.nn.Module, start_frame) -> tuple[Optional[torch.nn.Module], str]:
    """The outermost module running eagerly around ``module`` inside the same ``torch.compile`` call (the
    compiled model, not merely the block a fragment sits in): the frames between the backend and the compiled
    callable's entry (``eval_frame._fn``) that hold a module of which ``module`` is a part. Frames beyond that
    entry are the caller's and are not looked at."""
    return _outermost_owner(module, start_frame, stop_at_entry=True)


def _outermost_owner(module, start_frame, stop_at_entry: bool) -> tuple:
    """``(owner, path)``: the outermost module in the locals of the frames from ``start_frame`` up of which
    ``module`` is a part (a ``torch.compile`` wrapper stands for the module it wraps); ``(None, "")`` if none."""

    def path_of(v):
        if v is module:
            return None
        return next((name for name, sub in v.named_modules() if sub is module and name), None)

    owner, path = _outermost(start_frame, stop_at_entry, path_of)
    return (owner, path) if owner is not module else (None, "")  # the torch.compile wrapper of the module itself


def _outermost(start_frame, stop_at_entry: bool, path_of, depth: int = 400) -> tuple:
    """The outermost module ``v`` in the locals of the frames from ``start_frame`` up for which ``path_of(v)`` is
    not None, with that value (a ``torch.compile`` wrapper stands for the module it wraps); ``stop_at_entry``: stop
    at the compiled callable's entry (``eval_frame._fn``).
    Outermost: the longest path (a local holding a slice of a block list, ``blocks[:n]``, is a module list too, but
    the model holds the block deeper), the outer frame on a tie."""
    frame, seen = start_frame, set()
    found: tuple = (None, "")
    for _ in range(depth):
        if frame is None:
            break
        code = frame.f_code
        if (
            stop_at_entry
            and code.co_filename.endswith(("_dynamo/eval_frame.py", "_dynamo\\eval_frame.py"))
            and code.co_name in ("_fn", "compile_wrapper")
        ):
            break
        for v in list(frame.f_locals.values()):
            if isinstance(v, torch.nn.Module) and id(v) not in seen:
                seen.add(id(v))
                path = path_of(v)
                if path is not None and (found[0] is None or path.count(".") >= found[1].count(".")):
                    found = (v, path)
        frame = frame.f_back
    while found[0] is not None and hasattr(found[0], "_orig_mod"):  # a torch.compile wrapper: the module it wraps
        path = found[1][len("_orig_mod.") :] if found[1].startswith("_orig_mod.") else found[1]
        found = (found[0]._orig_mod, path)
    return found


def module_holding(p, start_frame) -> tuple:
    """``(model, path)``: the outermost module on the whole Python stack holding parameter ``p`` (a ``torch.compile``
    wrapper stands for the module it wraps) and the path of the submodule that holds ``p`` itself; ``(None, "")``."""

    def path_of(v):
        for name, sub in v.named_modules():
            if any(q is p for q in sub.parameters(recurse=False)):
                return name
        return None

    return _outermost(start_frame, False, path_of)


def compiled_in_place(module) -> bool:
    """``module.compile(...)`` was called: its calls go through a compiled ``_call_impl`` (no wrapper module)."""
    return isinstance(module, torch.nn.Module) and module.__dict__.get("_compiled_call_impl") is not None


def find_enclosing_model(module: torch.nn.Module, start_frame) -> tuple:
    """``(model, path)``: the outermost module on the whole Python stack (past any compiled entry) of which
    ``module`` is a part, e.g. the transformer around a block compiled in place (diffusers'
    ``compile_repeated_blocks``), whose forward runs as plain Python; ``(None, "")`` when there is none."""
    return _outermost_owner(module, start_frame, stop_at_entry=False)


def traced_frame(gm, example_inputs) -> TracedFrame:
    """Describe the frame whose graph the backend was given (see the module docstring)."""
    info = TracedFrame()
    reason = getattr(gm, "compile_subgraph_reason", None)
    if reason is not None and getattr(reason, "graph_break", False):
        info.ends_in_break = True
        info.break_reason = str(getattr(reason, "reason", ""))[:300]
    try:
        from torch._dynamo.symbolic_convert import InstructionTranslator

        tx = InstructionTranslator.current_tx()
        code = tx.f_code
        local_values = list(tx.f_locals.values())
    except Exception:  # noqa: BLE001  (private API: without it, every graph is a whole forward)
        return info
    info.code_name = code.co_name
    info.code = code
    info.resume = code.co_name.startswith("torch_dynamo_resume_in_")
    own = tx.f_locals.get("self") if hasattr(tx.f_locals, "get") else None
    if isinstance(own, torch.nn.Module):
        # the module whose code this frame runs, also when the graph's parameters are not its own: a submodule
        # called with its parent's parameter (MochiRoPE gets the model's pos_frequencies) is still that submodule
        info.module = own
        return info
    first = _first_param(example_inputs)
    for v in local_values:
        if isinstance(v, torch.nn.Module) and (first is None or _owns(v, first)):
            info.module = v
            break
    return info


def locate_parent(info: TracedFrame) -> TracedFrame:
    """Fill ``info.parent`` (it walks the Python stack: asked at compile time only). A piece or helper frame of
    a nested module has a parent too; one of the model itself has none."""
    if info.module is not None and info.parent is None and not info.located:
        info.located = True
        info.parent, info.parent_path = _find_parent(info.module, sys._getframe(1))
    return info

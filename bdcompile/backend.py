"""The ``blockdance`` torch.compile backend: a thin chain of named steps.

    regions -> cut -> variants -> (lazy) inner compile -> dispatcher
"""
from __future__ import annotations

import dataclasses
import logging
import warnings

import torch
import torch.fx as fx

from .inner import LazyVariant, resolve_inner
from .options import Settings, default_boundary
from .passes import (NoBlockStackError, find_block_regions, find_cut, make_forecast, make_full, make_reuse,
                     skipped_nodes_left)
from .runtime import Dispatcher
from .state import state_for_parameters

log = logging.getLogger(__name__)

__all__ = ["blockdance", "BlockDanceError"]


def _error(exc_type, message):
    """An exception dynamo passes to the user unwrapped (it re-raises ShortenTraceback as is), so a
    bad option reaches the caller as a plain ``ValueError`` with our message."""
    from torch._dynamo.exc import ShortenTraceback

    cls = type(f"BlockDance{exc_type.__name__}", (exc_type, ShortenTraceback), {
        "__init__": lambda self, msg: (exc_type.__init__(self, msg), setattr(self, "first_useful_frame", None))[0],
        "__str__": lambda self: exc_type.__str__(self),
        "remove_dynamo_frames": lambda self: self,
    })
    return cls(message)


class BlockDanceError(ValueError):
    """The graph cannot be rewritten (no block stack, bad boundary, uncachable cut)."""


def _user_input_positions(gm: fx.GraphModule) -> list[int]:
    phs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    return [i for i, n in enumerate(phs) if not n.name.lower().startswith("l_self_")]


def _user_input_names(gm: fx.GraphModule) -> list[str]:
    phs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    names = []
    for i in _user_input_positions(gm):
        name = phs[i].name
        name = name[2:] if name.lower().startswith("l_") else name
        names.append(name[:-1] if name.endswith("_") else name)
    return names


def _timestep_index(gm: fx.GraphModule, name: str) -> int | None:
    phs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    for i, n in enumerate(phs):
        if n.name.lower() in (f"l_{name}_".lower(), name.lower(), f"l_kwargs_{name}_".lower()):
            return i
    return None


def build(gm: fx.GraphModule, example_inputs, settings: Settings):
    """Run the passes on one traced graph: returns (regions, cut, variants-as-graphs, num_outputs)."""
    regions = find_block_regions(gm, stacks=list(settings.stacks) if settings.stacks else None)
    boundary = settings.boundary if settings.boundary is not None else default_boundary(len(regions.blocks))
    cut = find_cut(gm, regions, boundary)
    full, num_outputs = make_full(gm, cut)
    graphs = {"full": full, "reuse": make_reuse(gm, cut)}
    if settings.reuse == "forecast" or (settings.plan is not None and "forecast" in settings.plan):
        graphs["forecast"] = make_forecast(gm, cut, settings.order)
    left = skipped_nodes_left(graphs["reuse"], cut)
    if left:
        raise AssertionError(f"blockdance: reuse variant still holds skipped nodes {left[:5]}")
    return regions, cut, graphs, num_outputs


def blockdance(gm: fx.GraphModule, example_inputs, options: dict | None = None, **kwargs):
    """``torch.compile(model, backend="blockdance", options={...})``; see :class:`bdcompile.Settings`."""
    if kwargs.get("mode") not in (None, "default"):
        raise _error(ValueError, f"blockdance: mode={kwargs['mode']!r} is not supported; pass options={{...}} instead")
    try:
        settings = Settings.from_options(options)
    except ValueError as e:
        raise _error(ValueError, str(e)) from None
    try:
        compiler = resolve_inner(settings.inner)
    except ImportError as e:
        raise _error(ImportError, str(e)) from None

    state = state_for_parameters(example_inputs, options)
    state.settings = settings
    try:
        regions, cut, graphs, num_outputs = build(gm, example_inputs, settings)
    except ValueError as e:
        if settings.fallback:
            warnings.warn(f"{e}\nblockdance: falling back to the plain inner backend {settings.inner!r} (option fallback=True)")
            return compiler(gm, example_inputs)
        raise _error(ValueError, str(e)) from None

    t_index = _timestep_index(gm, settings.timestep_arg)
    if t_index is None and settings.step_source == "timestep" and state.num_steps is not None:
        warnings.warn(f"blockdance: the traced graph does not read {settings.timestep_arg!r} (the model ignores it or it "
                      "is a Python number); counting calls instead (step_source='counter')")
        settings = dataclasses.replace(settings, step_source="counter")
        state.settings = settings
    if t_index is None and settings.step_source == "timestep":
        raise _error(ValueError,
            f"blockdance: the traced graph has no tensor input named {settings.timestep_arg!r} to read the step from; "
            "pass options={'timestep_arg': NAME} (the forward argument carrying the timestep) or "
            "options={'step_source': 'counter', 'num_steps': ...}")
    variants = {name: LazyVariant(name, g, compiler) for name, g in graphs.items()}
    report = {
        "blocks": [b.name for b in regions.blocks],
        "stacks": regions.stacks,
        "module_lists": regions.module_lists,
        "boundary": cut.boundary,
        "cut": cut.describe(),
        "nodes": {"traced": len(gm.graph.nodes), **{k: len(g.graph.nodes) for k, g in graphs.items()}},
        "inputs": [tuple(x.shape) if isinstance(x, torch.Tensor) else x for i, x in enumerate(example_inputs)
                   if i in set(_user_input_positions(gm))],
        "inner": settings.inner if isinstance(settings.inner, str) else getattr(settings.inner, "__name__", "callable"),
    }
    log.info("blockdance: %d blocks in %s, boundary %d, cut %s", len(regions.blocks), regions.stacks, cut.boundary, report["cut"])
    dispatcher = Dispatcher(state, variants, num_outputs, t_index, _user_input_positions(gm), report, _user_input_names(gm))
    variants["full"].compile_now(example_inputs)  # inside dynamo's tracing context: the common case compiles here
    return dispatcher
